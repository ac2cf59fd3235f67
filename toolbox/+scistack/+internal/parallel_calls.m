function outcomes = parallel_calls(workers, fn, n_out, arglists)
%PARALLEL_CALLS  Call a for_each function on parallel workers, one outcome per call (internal).
%   OUTCOMES = scistack.internal.parallel_calls(WORKERS, FN, N_OUT, ARGLISTS) splits
%   ARGLISTS into two tasks per worker, runs each task with
%   scistack.internal.call_combinations on the WORKERS of
%   scistack.internal.parallel_workers (MATLAB: parfeval on the process pool, results
%   taken with fetchNext as they finish; GNU Octave: parcellfun), and returns the
%   outcomes in the order of ARGLISTS (see call_combinations for their fields).
%
%   A task whose worker fails (the worker process died, or a value could not be sent
%   to it) fails its combinations with that error; the others keep their outcomes.
%
%   Example:
%     w = scistack.internal.parallel_workers('processes', 'plus');
%     o = scistack.internal.parallel_calls(w, @plus, 1, {{1, 2}, {3, 4}});
%
%   See also scistack.internal.parallel_workers, scistack.internal.call_combinations.

n = numel(arglists);
n_tasks = min(n, 2 * workers.count);
edges = round(linspace(0, n, n_tasks + 1));
tasks = cell(1, n_tasks);
for t = 1:n_tasks
    tasks{t} = arglists(edges(t) + 1:edges(t + 1));
end
parts = cell(1, n_tasks);
if strcmp(workers.kind, 'parcellfun')
    try
        parts = parcellfun(workers.count, ...
                           @(lists) scistack.internal.call_combinations(fn, n_out, lists), ...
                           tasks, 'UniformOutput', false, 'VerboseLevel', 0);
    catch err
        parts = cellfun(@(lists) lost(lists, err), tasks, 'UniformOutput', false);
    end
else
    futures = cell(1, n_tasks);
    for t = 1:n_tasks
        futures{t} = parfeval(workers.pool, @scistack.internal.call_combinations, 1, ...
                              fn, n_out, tasks{t});
    end
    futures = [futures{:}];
    cleanup = onCleanup(@() cancel(futures));  % Ctrl-C stops the tasks still running
    for t = 1:n_tasks
        try
            [k, part] = fetchNext(futures);
            parts{k} = part;
        catch err
            % fetchNext raises for the first failed future it reaches: fail that task
            failed = find(strcmp({futures.State}, 'finished') & ...
                          ~cellfun(@isempty, {futures.Error}) & cellfun(@isempty, parts), 1);
            parts{failed} = lost(tasks{failed}, err);
        end
    end
    clear('cleanup');
end
outcomes = [parts{:}];
end

function outcomes = lost(lists, err)
% The outcomes of a task whose worker failed: every call failed with ERR.
failure = scistack.internal.failure_report(err, 'function');
failure.message = ['the parallel worker running this combination failed: ', err.message];
outcomes = repmat(struct('ok', false, 'outputs', {{}}, 'seconds', 0, ...
                         'failure', failure, 'pid', 0), 1, numel(lists));
end
