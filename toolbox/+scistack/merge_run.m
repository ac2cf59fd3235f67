function report = merge_run(run, varargin)
%MERGE_RUN  Commit the results a SLURM run folder's shards hold (idempotent; writes).
%   REPORT = scistack.merge_run(RUN) merges the run folder RUN into the current database:
%   RUN is the folder, or its run id (or a unique prefix of it) in .scistack-runs beside
%   the database. A scidb.for_each with a SLURM executor stages such a folder and merges
%   it while it waits; when that MATLAB or Python process stopped early, the array tasks
%   may run on and leave shards nobody merged. This reads the staged combinations from
%   its manifest (their metadata, cache keys and lineage; no user code runs), commits
%   every combination whose result a complete shard holds, with its run-log rows (a new
%   run), and logs the combinations left out
%   (their chunk queued, half-written or lost) as skipped with the reason. Combinations
%   already saved are left alone, so merging twice changes nothing.
%
%   REPORT is a struct: merged, failed (results, and failures logged with their errors),
%   already_saved, not_merged (no result yet), unmatched, complete (true once
%   every combination is merged; the folder is then marked merged), merge_run_id, and
%   state, the chunks by state (complete, queued, half_written, missing, with_failures,
%   resubmittable, chunk_sizes).
%
%   Name/value options:
%     'db' - a scidb.Database open for writing (default: the current database)
%
%   The same merge as the command line's "scistack merge DB RUN" (Python engine).
%
%   Example:
%     scidb.configure_database('cluster.duckdb', {'subject'});
%     r = scistack.merge_run('9e0a3dcc');
%     if ~r.complete
%         scistack.resubmit_run('9e0a3dcc');   % the lost and half-written chunks
%     end
%
%   See also scistack.resubmit_run, scidb.for_each.

report = scidb.internal.pairs_call('merge', struct('run', run), varargin);
end
