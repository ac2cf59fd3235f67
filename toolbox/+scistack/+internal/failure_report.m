function failure = failure_report(err, stage)
%FAILURE_REPORT  An error as the for_each run log keeps it (internal).
%   FAILURE = scistack.internal.failure_report(ERR, STAGE) is a struct with the fields
%   identifier and message of the MException ERR, stack (its identifier and message,
%   then one '  at NAME (FILE, line N)' line per frame of the user's code, the frames of
%   the for_each machinery left out) and STAGE ('function' when the function raised,
%   'outputs' when its outputs could not be sent).
%
%   Example:
%     try, error('my:id', 'too noisy'), catch err, end
%     f = scistack.internal.failure_report(err, 'function');
%
%   See also scistack.internal.call_combinations, scistack.internal.run_batches.

lines = cell(1, numel(err.stack));
n = 0;
for k = 1:numel(err.stack)
    frame = err.stack(k);
    if ~isempty(strfind(frame.name, 'call_combinations')) || ...
            ~isempty(strfind(frame.name, 'run_batches'))
        break
    end
    n = n + 1;
    lines{n} = sprintf('  at %s (%s, line %d)', frame.name, frame.file, frame.line);
end
if isempty(err.identifier)
    head = err.message;
else
    head = [err.identifier, ': ', err.message];
end
failure = struct('identifier', err.identifier, 'message', err.message, ...
                 'stack', sprintf('%s\n', head, lines{1:n}), 'stage', stage);
end
