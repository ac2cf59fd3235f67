function [finished, kept] = run_batches(fn, name, request, args)
%RUN_BATCHES  Run one for_each of the engine in MATLAB: the driver of every for_each (internal).
%   [FINISHED, KEPT] = scistack.internal.run_batches(FN, NAME, REQUEST, ARGS)
%   starts the for_each that REQUEST describes (the engine plans it: run_start) and runs
%   it through the engine's for_each protocol: ask for the next chunk of combinations
%   with their input values (run_next), call FN once per combination here, send the
%   outcomes back (run_commit) after STARTED.chunk of them, STARTED.commit_seconds
%   after the last commit or once their encoded outputs pass STARTED.commit_bytes,
%   whichever comes first, and end the run (run_finish).
%   scidb.for_each, scihist.for_each and scifor.for_each all run through here.
%
%   ARGS (a 1-by-K cell) is FN's argument list with the constants in place; the values
%   the engine sends fill the positions STARTED.positions. NAME is the function's name,
%   for messages. How the run goes is the engine's answer STARTED: n_out (outputs asked
%   of FN: the engine's count, else one, or none when FN declares none), chunk, commit_seconds,
%   commit_bytes, raise (stop at the first failure and rethrow it), send (false:
%   outputs stay here, in KEPT, an N-by-n_out cell by plan position), mark_tables
%   (true: scifor.Table outputs are sent as tables) and executor (the checked
%   'executor' option: 'processes' runs on scistack.internal.parallel_workers); the
%   progress lines are the engine's, shown as each commit's reply brings them.
%
%   With workers, each chunk's reply says how many combinations to hand the workers at
%   once (scistack.internal.parallel_calls, which get plain values and never call the
%   engine) or that they run here: the engine measures FN on the first calls, made here,
%   and sizes the groups. This MATLAB alone encodes, commits and writes.
%
%   FINISHED is the reply of run_finish (of run_start for a dry run, which runs
%   nothing), which ends the run as failed when a failure stopped it, else finished.
%   A failure of FN, or outputs the engine cannot keep, are recorded with their
%   identifier, message and stack and the run goes on (or, with STARTED.raise, stops
%   after committing, and the error is raised). On Ctrl-C or any other error, what
%   finished is committed and the run ends as interrupted, with a message saying how
%   much was kept.
%
%   Example (what scifor.for_each does):
%     finished = scistack.internal.run_batches(@f, 'f', request, {[], 20});
%
%   See also scidb.for_each, scifor.for_each, scistack.internal.engine_call.

request.declared_outputs = -1;  % what FN declares (-1: it does not say), for STARTED.n_out
try
    request.declared_outputs = nargout(fn);
catch
    % builtins do not say
end
started = scistack.internal.engine_call('run_start', request);
options = started;  % how the engine says the run goes (n_out, chunk, ..., mark_tables)
options.name = name;
kept = cell(0, options.n_out);
finished = started;
if started.done
    return
end
positions = reshape(started.positions, 1, []);
try
    options.workers = scistack.internal.parallel_workers(started.executor, name);
catch err
    scistack.internal.engine_call('run_finish', 'run_id', started.run_id, 'status', 'failed');
    rethrow(err);
end
slot = pending_box('open', options.chunk);  % what is not committed yet: the cleanup sees it
cleanup = onCleanup(@() interrupted(slot, started.run_id, options));
run = struct('kept', {cell(0, options.n_out)}, 'stop', false, 'last_commit', tic());
while ~run.stop
    chunk = scistack.internal.engine_call('run_next', 'run_id', started.run_id, ...
                                          'size', options.chunk, ...
                                          'workers', rmfield(options.workers, 'pool'));
    indexes = reshape(chunk.indexes, 1, []);
    if isempty(indexes)
        break
    end
    values = scistack.internal.wire_decode(chunk.values);
    arglists = cell(1, numel(indexes));
    for k = 1:numel(indexes)
        arglists{k} = args;
        arglists{k}(positions) = values((k - 1) * numel(positions) + 1:k * numel(positions));
    end
    done = 0;
    while done < numel(indexes) && ~run.stop
        % runs until the chunk ends, a failure stops the run or a commit is due
        [run, done] = run_group(fn, arglists, indexes, done, chunk.group, options, run, slot);
        if commit_due(slot, options, run) || done == numel(indexes)
            run.stop = commit(slot, started.run_id, options) || run.stop;
            run.last_commit = tic();
        end
    end
end
pending_box('close', slot);
finished = scistack.internal.engine_call('run_finish', 'run_id', started.run_id);
clear('cleanup');
kept = run.kept;
if ~isempty(finished.closing)
    fprintf('%s\n', finished.closing);  % closes the progress lines the engine had shown
end
if ~isempty(finished.failure)  % what stopped the run, as the engine recorded it
    error(finished.failure);
end
end

function due = commit_due(slot, options, run)
% Whether the outcomes waiting in the slot are to be committed now: OPTIONS.chunk of
% them, OPTIONS.commit_seconds since the last commit, more than OPTIONS.commit_bytes of
% encoded outputs, or a failure that stops the run.
due = pending_box('count', slot) >= options.chunk || ...
      toc(run.last_commit) >= options.commit_seconds || ...
      pending_box('bytes', slot) > options.commit_bytes || run.stop;
end

% ------------------------------------------------------------------ combinations

function [run, done] = run_group(fn, arglists, indexes, done, group, options, run, slot)
% Run the next combinations of a chunk after the first DONE: one here (GROUP 0), or GROUP
% of them (the engine's size) on the parallel workers; keep each outcome.
if group == 0
    last = done + 1;
    outcomes = scistack.internal.call_combinations(fn, options.n_out, arglists(last));
else
    last = min(numel(indexes), done + group);
    outcomes = scistack.internal.parallel_calls(options.workers, fn, options.n_out, ...
                                                arglists(done + 1:last));
end
for k = 1:numel(outcomes)
    run = keep_outcome(run, slot, options, indexes(done + k), outcomes(k));
    if run.stop
        break
    end
end
done = last;
end

function run = keep_outcome(run, slot, options, index, outcome)
% Encode a call's outputs (a scifor.Table, with OPTIONS.mark_tables, as its columns,
% marked) and add its outcome to the slot's box; with OPTIONS.raise, a failure stops the
% run (RUN.stop).
n_out = options.n_out * options.send;
failure = outcome.failure;
items = cell(1, n_out);
marks = false(1, n_out);
try
    for k = 1:n_out * outcome.ok
        value = outcome.outputs{k};
        if options.mark_tables && isa(value, 'scifor.Table')
            value = value.Columns;
            marks(k) = true;
        end
        items{k} = scistack.internal.wire_encode(value, false);
    end
catch err
    failure = scistack.internal.failure_report(err, 'outputs');
end
kept = struct('index', index, 'seconds', outcome.seconds, 'ok', isempty(failure), ...
              'items', {items}, 'marks', marks, 'failure', failure, 'pid', outcome.pid);
if isempty(failure)
    if ~options.send
        run.kept(index + 1, :) = outcome.outputs;
    end
else
    kept.items = {};
    kept.marks = false(1, 0);
end
pending_box('add', slot, kept);
run.stop = run.stop || (~isempty(failure) && options.raise);
end

% ------------------------------------------------------------------ commits

function stop = commit(slot, run_id, options)
% Send the outcomes waiting in the slot to the engine in one call (one transaction
% there). STOP: the engine's answer whether a failure stopped the run (with 'raise').
stop = false;
waiting = pending_box('take', slot);
if isempty(waiting)
    return
end
outcomes = [waiting{:}];
items = [{}, outcomes.items];
request = struct('run_id', run_id, 'indexes', [outcomes.index], 'ok', [outcomes.ok], ...
                 'seconds', [outcomes.seconds], 'marks', [false(1, 0), outcomes.marks], ...
                 'pids', [outcomes.pid]);  % the engine names the workers from them
request.lengths = cellfun(@numel, items);
request.blob = [zeros(1, 0, 'uint8'), items{:}];
request.failures = {outcomes(~[outcomes.ok]).failure};
reply = scistack.internal.engine_call('run_commit', request);
if ~isempty(reply.progress)
    fprintf('%s\n', reply.progress);
end
stop = reply.stop;
end

function out = pending_box(action, slot, value)
% The outcomes not committed yet, one slot per run (runs nest when FN itself runs a
% for_each): 'open' a slot with room for VALUE outcomes, 'add' one, 'count' them, sum
% the 'bytes' of their encoded outputs, 'take' them all, ask whether it 'is_open',
% 'close' it. Kept here, outside the loop's variables, so that an interrupt's cleanup
% can still commit them.
persistent held
if isempty(held)
    held = {};
end
out = [];
switch action
    case 'add'
        n = held{slot}.count + 1;
        held{slot}.count = n;
        held{slot}.outcomes{n} = value;
        held{slot}.bytes = held{slot}.bytes + sum(cellfun(@numel, value.items));
        out = n;
    case 'take'
        out = held{slot}.outcomes(1:held{slot}.count);
        held{slot}.count = 0;
        held{slot}.bytes = 0;
    case 'count'
        out = held{slot}.count;
    case 'bytes'
        out = held{slot}.bytes;
    case 'open'
        held{end + 1} = struct('count', 0, 'bytes', 0, 'outcomes', {cell(1, slot)});
        out = numel(held);
    case 'is_open'
        out = slot <= numel(held);
    case 'close'
        held(slot:end) = [];
end
end

function interrupted(slot, run_id, options)
% On Ctrl-C or an error: commit what finished, end the run, say what was kept.
if ~pending_box('is_open', slot)
    return
end
try
    commit(slot, run_id, options);
    finished = scistack.internal.engine_call('run_finish', 'run_id', run_id, ...
                                             'status', 'interrupted');
    fprintf('for_each(%s) interrupted: %s\n', options.name, finished.note);
catch
    % the engine is gone too: nothing is left to finish
end
pending_box('close', slot);
end
