function [finished, kept] = run_batches(fn, started, args, options)
%RUN_BATCHES  Run one for_each of the engine in MATLAB: the driver of every for_each (internal).
%   [FINISHED, KEPT] = scistack.internal.run_batches(FN, STARTED, ARGS, OPTIONS) runs the
%   for_each that the engine planned (STARTED is the reply of the engine's run_start)
%   through the engine's for_each protocol: ask for the next chunk of combinations with
%   their input values (run_next), call FN once per combination here, send the outcomes
%   back (run_commit) after OPTIONS.chunk of them or OPTIONS.commit_seconds after the last
%   commit, whichever comes first, and end the run (run_finish). scidb.for_each,
%   scihist.for_each and scifor.for_each all run through here.
%
%   ARGS is FN's argument list (a 1-by-K cell) with the constants in place; the values
%   the engine sends (STARTED.sent, in order) fill the positions OPTIONS.positions.
%   OPTIONS fields: name (the function's name, for messages), n_out (outputs asked of
%   FN), chunk, commit_seconds, raise (stop at the first failure and rethrow it),
%   progress ([] for a progress line once the run lasts 2 s, true, false), send (false:
%   outputs stay here, in KEPT, an N-by-n_out cell by plan position), mark_tables (true:
%   scifor.Table outputs are sent as tables).
%
%   FINISHED is the reply of run_finish. A failure of FN, or outputs the engine cannot
%   keep, are recorded with their identifier, message and stack and the run goes on (or,
%   with OPTIONS.raise, stops after committing, and the error is raised). On Ctrl-C or
%   any other error, what finished is committed and the run ends as interrupted, with a
%   message saying how much was kept.
%
%   Example (what scifor.for_each does):
%     started = scistack.internal.engine_call('run_start', request);
%     finished = scistack.internal.run_batches(@f, started, {[], 20}, options);
%
%   See also scidb.for_each, scifor.for_each, scistack.internal.engine_call.

state = containers.Map();  % a handle: the cleanup below sees what is pending
state('open') = true;
state('pending') = empty_outcomes();
cleanup = onCleanup(@() interrupted(state, started.run_id, options.name));
kept = cell(0, options.n_out);
failure = [];
progress = progress_start(options, started.to_run);
last_commit = tic();
while isempty(failure)
    chunk = scistack.internal.engine_call('run_next', 'run_id', started.run_id, ...
                                          'size', options.chunk);
    indexes = reshape(chunk.indexes, 1, []);
    if isempty(indexes)
        break
    end
    values = scistack.internal.wire_decode(chunk.values);
    n_sent = numel(options.positions);
    for i = 1:numel(indexes)
        call_args = args;
        call_args(options.positions) = values((i - 1) * n_sent + 1:i * n_sent);
        [pending, outputs, err] = call_one(fn, call_args, options, state('pending'), indexes(i));
        state('pending') = pending;
        if ~options.send && isempty(err)
            kept(indexes(i) + 1, :) = outputs;
        end
        progress = progress_step(progress, ~isempty(err));
        if ~isempty(err) && options.raise
            failure = err;
            break
        end
        if pending.count >= options.chunk || toc(last_commit) >= options.commit_seconds
            failure = refused_error(commit(state, started.run_id), options);
            last_commit = tic();
            if ~isempty(failure)
                break
            end
        end
    end
    if isempty(failure)
        failure = refused_error(commit(state, started.run_id), options);
    else
        commit(state, started.run_id);
    end
    last_commit = tic();
end
state('open') = false;
if isempty(failure)
    status = 'finished';
else
    status = 'failed';
end
finished = scistack.internal.engine_call('run_finish', 'run_id', started.run_id, ...
                                         'status', status);
clear('cleanup');
progress_end(progress, finished);
if isstruct(failure)
    error(failure);
elseif ~isempty(failure)
    rethrow(failure);
end
end

% ------------------------------------------------------------------ one combination

function [pending, outputs, err] = call_one(fn, call_args, options, pending, index)
% Call FN for one combination and add its outcome to PENDING.
outputs = cell(1, options.n_out);
err = [];
started = tic();
stage = 'function';
try
    if options.n_out == 0
        fn(call_args{:});
    else
        [outputs{:}] = fn(call_args{:});
    end
    stage = 'outputs';
    if options.send
        wires = encode_outputs(outputs, options.mark_tables);
    end
catch err
end
n = pending.count + 1;
pending.count = n;
pending.indexes(n) = index;
pending.seconds(n) = toc(started);
pending.ok(n) = isempty(err);
if isempty(err)
    if options.send
        pending.wires = [pending.wires, wires.items];
        pending.marks = [pending.marks, wires.marks];
    end
    return
end
[pending.identifiers{end + 1}, pending.messages{end + 1}, pending.stacks{end + 1}] = ...
    error_report(err);
pending.stages{end + 1} = stage;
end

function wires = encode_outputs(outputs, mark_tables)
% Each output as wire bytes without header; scifor.Table outputs sent as their columns.
n = numel(outputs);
wires = struct('items', {cell(1, n)}, 'marks', {false(1, n)});
for k = 1:n
    value = outputs{k};
    if mark_tables && isa(value, 'scifor.Table')
        value = value.Columns;
        wires.marks(k) = true;
    end
    wires.items{k} = scistack.internal.wire_encode(value, false);
end
end

function [identifier, message, stack] = error_report(err)
% An error's identifier, message and stack text, as the run log keeps them.
identifier = err.identifier;
message = err.message;
lines = cell(1, numel(err.stack));
n = 0;
for k = 1:numel(err.stack)
    frame = err.stack(k);
    if ~isempty(strfind(frame.name, 'run_batches'))
        break
    end
    n = n + 1;
    lines{n} = sprintf('  at %s (%s, line %d)', frame.name, frame.file, frame.line);
end
if isempty(identifier)
    head = message;
else
    head = [identifier, ': ', message];
end
stack = sprintf('%s\n', head, lines{1:n});
end

% ------------------------------------------------------------------ commits

function pending = empty_outcomes()
pending = struct('count', 0, 'indexes', [], 'seconds', [], 'ok', false(1, 0), ...
                 'wires', {{}}, 'marks', false(1, 0), 'identifiers', {{}}, ...
                 'messages', {{}}, 'stacks', {{}}, 'stages', {{}});
end

function reply = commit(state, run_id)
% Send the pending outcomes to the engine in one call (one transaction there).
reply = struct('refused', 0);
pending = state('pending');
if pending.count == 0
    return
end
request = struct('run_id', run_id, 'indexes', pending.indexes, 'ok', pending.ok, ...
                 'seconds', pending.seconds, 'marks', pending.marks);
request.lengths = cellfun(@numel, pending.wires);
if isempty(pending.wires)
    request.blob = zeros(1, 0, 'uint8');
else
    request.blob = [pending.wires{:}];
end
request.identifiers = pending.identifiers;
request.messages = pending.messages;
request.stacks = pending.stacks;
request.stages = pending.stages;
state('pending') = empty_outcomes();
reply = scistack.internal.engine_call('run_commit', request);
end

function failure = refused_error(reply, options)
% With OPTIONS.raise, the error of the first outcome the commit refused, else [].
failure = [];
if options.raise && reply.refused > 0
    identifiers = cellstr(reply.identifiers);
    messages = cellstr(reply.messages);
    failure = struct('identifier', identifiers{1}, 'message', messages{1});
end
end

function interrupted(state, run_id, name)
% On Ctrl-C or an error: commit what finished, end the run, say what was kept.
if ~state('open')
    return
end
state('open') = false;
try
    commit(state, run_id);
    finished = scistack.internal.engine_call('run_finish', 'run_id', run_id, ...
                                             'status', 'interrupted');
    fprintf('for_each(%s) interrupted: %s\n', name, finished.note);
catch
    % the engine is gone too: nothing is left to finish
end
end

% ------------------------------------------------------------------ progress

function progress = progress_start(options, total)
progress = struct('name', options.name, 'total', total, 'done', 0, 'failed', 0, ...
                  'step', max(1, ceil(total / 10)), 'next', max(1, ceil(total / 10)), ...
                  'mode', {options.progress}, 'started', tic(), 'shown', false, ...
                  'last', tic());
end

function progress = progress_step(progress, failed)
% A progress line at every tenth of the run, and after 30 s without one; by default
% (no 'progress' option) only once the run has taken 2 seconds.
progress.done = progress.done + 1;
progress.failed = progress.failed + failed;
if isequal(progress.mode, false) || ...
        (progress.done < progress.next && toc(progress.last) < 30)
    return
end
progress.next = (floor(progress.done / progress.step) + 1) * progress.step;
progress.last = tic();
elapsed = toc(progress.started);
if isempty(progress.mode) && elapsed < 2
    return
end
fprintf('for_each(%s): %d of %d combinations run (%d%%), %d failed, %.1f s\n', ...
        progress.name, progress.done, progress.total, ...
        round(100 * progress.done / max(progress.total, 1)), progress.failed, elapsed);
progress.shown = true;
end

function progress_end(progress, finished)
if progress.shown && isfield(finished, 'line')
    fprintf('%s in %.1f s\n', finished.line, toc(progress.started));
end
end
