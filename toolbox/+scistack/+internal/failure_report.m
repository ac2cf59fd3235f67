function failure = failure_report(err, stage)
%FAILURE_REPORT  An error as the for_each run log keeps it (internal).
%   FAILURE = scistack.internal.failure_report(ERR, STAGE) is a struct with the fields
%   identifier and message of the MException ERR, its stack frames as names, files and
%   lines (1-by-N each, innermost first) and STAGE ('function' when the function raised,
%   'outputs' when its outputs could not be sent). The engine writes the stack text the
%   run log keeps (scistack_engine.gateway.runs.stack_text).
%
%   Example:
%     try, error('my:id', 'too noisy'), catch err, end
%     f = scistack.internal.failure_report(err, 'function');
%
%   See also scistack.internal.call_combinations, scistack.internal.run_batches.

stack = reshape(err.stack, 1, []);
failure = struct('identifier', err.identifier, 'message', err.message, 'stage', stage, ...
                 'names', {{stack.name}}, 'files', {{stack.file}}, ...
                 'lines', [zeros(1, 0), stack.line]);
end
