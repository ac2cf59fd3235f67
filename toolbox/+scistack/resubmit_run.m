function done = resubmit_run(run, varargin)
%RESUBMIT_RUN  Submit the lost or half-written chunks of a SLURM run folder again.
%   DONE = scistack.resubmit_run(RUN) submits, with the folder's job.sh (one sbatch), every
%   chunk of the run folder RUN that has no shard and no task: lost, or half-written by
%   a task that died while writing (the torn file is never read). RUN is the folder, or
%   its run id (or a unique prefix of it) in .scistack-runs beside the database. A chunk
%   still queued or running is never submitted twice. Run scistack.merge_run once the tasks
%   end.
%
%   DONE is a struct: folder, submitted (the chunks), jobs (the sbatch job ids), tasks
%   (pairs of array task id and chunk) and state (the chunks by state before).
%
%   STATE = scistack.resubmit_run(RUN, 'dry_run', true) submits nothing and returns the state
%   of each chunk (complete, queued, half_written, missing, with_failures, resubmittable,
%   chunk_sizes).
%
%   Name/value options:
%     'chunks'  - these chunks (numbers from 0) instead of the resubmittable ones
%     'failed'  - true adds the chunks whose shard holds failures (their shard is moved
%                 aside as <chunk>.duckdb.failed-<time>)
%     'dry_run' - true only returns the state
%     'db'      - a scidb.Database (default: the current database), whose folder holds
%                 .scistack-runs
%
%   The same as the command line's "scistack resubmit DB RUN" (Python engine).
%
%   Example:
%     state = scistack.resubmit_run('9e0a3dcc', 'dry_run', true);
%     scistack.resubmit_run('9e0a3dcc', 'failed', true);
%
%   See also scistack.merge_run, scidb.for_each.

done = scidb.internal.pairs_call('resubmit', struct('run', run), varargin);
end
