function outcomes = call_combinations(fn, n_out, arglists)
%CALL_COMBINATIONS  Call a for_each function once per argument list; report each (internal).
%   OUTCOMES = scistack.internal.call_combinations(FN, N_OUT, ARGLISTS) calls FN with
%   each argument list of ARGLISTS (a cell of 1-by-K cells), asking for N_OUT outputs,
%   and returns a 1-by-N struct array, one element per call, with fields
%     ok       true when FN returned
%     outputs  1-by-N_OUT cell of what FN returned ({} when it failed)
%     seconds  how long the call took
%     failure  [] or a struct (scistack.internal.failure_report): identifier,
%              message, stage ('function') and the stack frames
%     pid      the id of the process that made the call (the run log records it)
%
%   It touches nothing but FN and its arguments (no engine, no Python), so the same
%   function runs the combinations in this MATLAB and on parallel workers: MATLAB's
%   process-pool workers (parfeval) and GNU Octave's parcellfun workers.
%
%   Example:
%     o = scistack.internal.call_combinations(@plus, 1, {{1, 2}, {3, 4}});
%     o(2).outputs   % {7}
%
%   See also scistack.internal.run_batches.

n = numel(arglists);
if exist('OCTAVE_VERSION', 'builtin') ~= 0
    pid = getpid();
else
    pid = feature('getpid');
end
outcomes = repmat(struct('ok', true, 'outputs', {cell(1, n_out)}, 'seconds', 0, ...
                         'failure', [], 'pid', pid), 1, n);
for k = 1:n
    outputs = cell(1, n_out);
    started = tic();
    try
        if n_out == 0
            fn(arglists{k}{:});
        else
            [outputs{:}] = fn(arglists{k}{:});
        end
        outcomes(k).outputs = outputs;
    catch err
        outcomes(k).ok = false;
        outcomes(k).outputs = {};
        outcomes(k).failure = scistack.internal.failure_report(err, 'function');
    end
    outcomes(k).seconds = toc(started);
end
end
