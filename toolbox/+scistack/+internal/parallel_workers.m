function workers = parallel_workers(executor, name)
%PARALLEL_WORKERS  The workers a for_each's 'executor' option asks for (internal).
%   WORKERS = scistack.internal.parallel_workers(EXECUTOR, NAME) is a struct: kind
%   ('parfeval' in MATLAB, 'parcellfun' in GNU Octave, '' without workers: every
%   combination runs in this MATLAB), count (the number of workers, 0 without), pool
%   (MATLAB's process pool, [] in Octave) and main_pid (this MATLAB's process id: calls
%   made here are the run log's worker 'main'). Only EXECUTOR 'processes' asks for
%   workers (run_start refuses one that is neither 'serial' nor 'processes'); whether they
%   pay off, and how many combinations they take at once, the engine decides (run_next).
%
%   MATLAB uses the current parallel pool, or starts the default one (gcp), which must
%   be a process pool: thread-pool workers cannot run the toolbox's functions, so a
%   thread pool is an error (scistack:foreach:threadPool). GNU Octave uses parcellfun of
%   the 'parallel' package. Without Parallel Computing Toolbox, or without Octave's
%   package, the run goes on serially with a warning (scistack:foreach:serialFallback)
%   that says what to install. NAME is the function's name, for messages.
%
%   Example:
%     w = scistack.internal.parallel_workers('processes', 'bandpass');
%
%   See also scistack.internal.parallel_calls, scistack.internal.run_batches.

workers = struct('kind', '', 'count', 0, 'pool', [], 'main_pid', 0);
if ~(ischar(executor) || isstring(executor)) || ~strcmp(executor, 'processes')
    return
end
if exist('OCTAVE_VERSION', 'builtin') ~= 0
    if isempty(pkg('list', 'parallel'))
        warning('scistack:foreach:serialFallback', ...
                ['for_each(%s): GNU Octave''s parallel package is not installed, so the ', ...
                 'run is serial; install it with "apt install octave-parallel" (Debian, ', ...
                 'Ubuntu) or "pkg install -forge parallel"'], name);
        return
    end
    pkg('load', 'parallel');
    workers = struct('kind', 'parcellfun', 'count', nproc(), 'pool', [], 'main_pid', getpid());
    return
end
if ~license('test', 'Distrib_Computing_Toolbox') || exist('parfeval', 'file') == 0
    warning('scistack:foreach:serialFallback', ...
            ['for_each(%s): ''executor'', ''processes'' needs Parallel Computing ', ...
             'Toolbox, which this MATLAB lacks, so the run is serial'], name);
    return
end
pool = gcp();
if isa(pool, 'parallel.ThreadPool')
    error('scistack:foreach:threadPool', ...
          ['for_each(%s): the current parallel pool is a thread pool, whose workers ', ...
           'cannot run it; start a process pool: delete(gcp(''nocreate'')); ', ...
           'parpool(''Processes'')'], name);
end
workers = struct('kind', 'parfeval', 'count', pool.NumWorkers, 'pool', pool, ...
                 'main_pid', feature('getpid'));
end
