function [result, info] = run_for_each(fn, inputs, outputs, args, with_lineage)
%RUN_FOR_EACH  The for_each driver shared by scidb.for_each and scihist.for_each (internal).
%   [RESULT, INFO] = scidb.internal.run_for_each(FN, INPUTS, OUTPUTS, ARGS, WITH_LINEAGE)
%   runs FN over the combinations of the iterables in ARGS (name/value pairs, options
%   included) through the engine's for_each protocol: the engine plans the combinations
%   and skips those with a missing input (foreach_start), hands out each batch's input
%   values (foreach_next), and commits each batch's outputs and run-log rows in one
%   transaction (foreach_save); the run ends with foreach_end. FN runs here, once per
%   combination. With WITH_LINEAGE true, or when FN is a scilineage.Thunk, the spec
%   carries FN's fingerprint (scistack.internal.fingerprint, or the Thunk's), so outputs
%   are saved with lineage and combinations already computed are not run (status
%   'cached'); with WITH_LINEAGE ARGS may also hold 'force' and 'skip_computed'.
%
%   See scidb.for_each for the arguments, options and RESULT; INFO is a struct with
%   run_id ('' when nothing is logged), the counts n_done, n_failed, n_skipped, n_cached
%   and seconds.
%
%   Example:
%     r = scidb.internal.run_for_each(@double_it, struct('x', RawEMG()), {Doubled()}, ...
%                                     {'subject', [1 2 3]}, false);
%
%   See also scidb.for_each, scihist.for_each.

started = tic();
names = {'where', 'dry_run', 'save', 'as_table', 'batch_size', 'on_error', 'progress', 'db'};
if with_lineage
    names = [names, {'force', 'skip_computed'}];
end
[iterables, options] = scidb.internal.parse_metadata(args, names, 'for_each');
fingerprint = '';
if isa(fn, 'scilineage.Thunk')
    % a Thunk keeps its meaning: lineage with its fingerprint (or declared version)
    fingerprint = fn.fingerprint;
    fn = fn.fn;
    with_lineage = true;
end
fn = function_handle_of(fn);
fname = function_name(fn);
if with_lineage && isempty(fingerprint)
    fingerprint = scistack.internal.fingerprint(fn);
end
opt = settle_options(options);
[input_specs, template, is_constant] = input_specifications(inputs);
out_names = output_names(outputs);
n_out = numel(out_names);

spec = struct('function', fname);
spec.inputs = input_specs;
spec.outputs = out_names;
spec.iterables = iterables;
spec.as_table = opt.as_table;
spec.batch_size = opt.batch_size;
spec.skip_computed = opt.skip_computed;
if ~isempty(opt.where)
    spec.where = opt.where;
end
if with_lineage
    spec.fingerprint = fingerprint;
end
request = struct('spec', spec, 'save', opt.save, 'dry_run', opt.dry_run);
request = scidb.internal.with_handle(request, options, []);
plan = scistack.internal.engine_call('foreach_start', request);

codes = reshape(plan.status_codes, [], 1);
n = numel(codes);
status_names = {'run'; 'cached'; 'skipped'};
status = status_names(codes + 1);
reason = repmat({''}, n, 1);
reason(codes == 2) = plan.reasons;
if opt.save
    out_columns = repmat({repmat({''}, n, 1)}, 1, n_out);
else
    out_columns = repmat({cell(n, 1)}, 1, n_out);
end
present = false(n, n_out);
cached = find(codes == 1);
if ~isempty(cached)
    ids = reshape(split_ids(plan.cached_ids), n_out, []);
    for o = 1:n_out
        out_columns{o}(cached) = ids(o, :);
    end
    present(cached, :) = true;
    reason(cached) = {'already computed with this function, code and inputs'};
end
run_id = plan.run_id;
failure = [];
if opt.dry_run
    status(strcmp(status, 'run')) = {'would_run'};
else
    cleanup = onCleanup(@() end_run(run_id, 'interrupted'));
    progress = struct('name', fname, 'total', plan.n_run, 'done', 0, 'failed', 0, ...
                      'step', max(1, ceil(plan.n_run / 10)), 'shown', false, ...
                      'mode', opt.progress, 'started', started);
    show_progress = ~isequal(opt.progress, false);
    next_line = progress.step;
    since_line = 0;
    var_pos = find(~is_constant);
    n_var = numel(var_pos);
    outs = cell(1, n_out);
    while true
        batch = scistack.internal.engine_call('foreach_next', 'run_id', run_id);
        if batch.done
            break
        end
        rows = reshape(batch.combos, [], 1) + 1;
        values = scistack.internal.wire_decode(batch.values);
        m = numel(rows);
        ok = false(m, 1);
        seconds = zeros(m, 1);
        items = cell(1, m * n_out);
        lengths = zeros(1, m * n_out);
        n_items = 0;
        errors = {};
        stacks = {};
        executed = m;
        for i = 1:m
            call_args = template;
            if n_var > 0
                call_args(var_pos) = values((i - 1) * n_var + 1:i * n_var);
            end
            first_item = n_items;
            combo_started = tic();
            try
                if n_out == 0
                    fn(call_args{:});
                else
                    [outs{1:n_out}] = fn(call_args{:});
                end
                if opt.save
                    for o = 1:n_out
                        item = scistack.internal.wire_encode(outs{o}, false);
                        n_items = n_items + 1;
                        items{n_items} = item;
                        lengths(n_items) = numel(item);
                    end
                else
                    for o = 1:n_out
                        out_columns{o}{rows(i)} = outs{o};
                    end
                end
                ok(i) = true;
            catch err
                n_items = first_item;
                [errors{end + 1}, stacks{end + 1}] = error_report(err); %#ok<AGROW>
                progress.failed = progress.failed + 1;
                if opt.raise
                    failure = err;
                end
            end
            seconds(i) = toc(combo_started);
            progress.done = progress.done + 1;
            since_line = since_line + seconds(i);
            if show_progress && (progress.done >= next_line || since_line >= 30)
                [progress, next_line] = report_progress(progress);
                since_line = 0;
            end
            if ~isempty(failure)
                executed = i;
                break
            end
        end
        done_rows = rows(1:executed);
        returned = ok(1:executed);
        status(done_rows(returned)) = {'done'};
        status(done_rows(~returned)) = {'failed'};
        reason(done_rows(~returned)) = errors;
        if opt.save
            save_request = struct('run_id', run_id);
            save_request.combos = done_rows - 1;
            save_request.ok = returned;
            save_request.durations = seconds(1:executed);
            save_request.lengths = lengths(1:n_items);
            if n_items > 0
                save_request.blob = [items{1:n_items}];
            else
                save_request.blob = zeros(1, 0, 'uint8');
            end
            save_request.errors = errors;
            save_request.stacks = stacks;
            saved = scistack.internal.engine_call('foreach_save', save_request);
            if n_out > 0
                ids = reshape(split_ids(saved.record_ids), n_out, []);
                for o = 1:n_out
                    out_columns{o}(done_rows) = ids(o, :);
                end
            end
            present(done_rows(returned), :) = true;
            rejected = reshape(saved.failed, 1, []) + 1;
            for q = 1:numel(rejected)
                row = done_rows(rejected(q));
                status{row} = 'failed';
                reason{row} = saved.messages{q};
                present(row, :) = false;
                returned(rejected(q)) = false;
            end
        else
            present(done_rows(returned), :) = true;
        end
        if ~isempty(failure)
            break
        end
    end
    if isempty(failure)
        end_run(run_id, 'finished');
    else
        end_run(run_id, 'failed');
    end
    clear('cleanup');
    finish_progress(progress, status);
end

columns = plan.columns;
keys = plan.keys;
if ischar(keys)
    keys = {keys};
end
keys = reshape(keys, 1, []);
columns.status = status;
columns.reason = reason;
for o = 1:n_out
    if opt.save
        columns.(out_names{o}) = out_columns{o};
    else
        columns.(out_names{o}) = scidb.internal.tidy_column(out_columns{o}, present(:, o));
    end
end
result = scidb.internal.columns_table(columns, [keys, {'status', 'reason'}, out_names], n);
info = struct('run_id', run_id, 'n_done', sum(strcmp(status, 'done')), ...
              'n_failed', sum(strcmp(status, 'failed')), ...
              'n_skipped', sum(strcmp(status, 'skipped')), ...
              'n_cached', sum(strcmp(status, 'cached')), 'seconds', toc(started));
if ~plan.logged
    info.run_id = '';
end
if ~isempty(failure)
    rethrow(failure);
end
warn_failures(fname, status, reason, columns, keys);
end

% ------------------------------------------------------------------ arguments

function fn = function_handle_of(fn)
if isstring(fn) && numel(fn) == 1
    fn = char(fn);
end
if ischar(fn) && size(fn, 1) == 1
    fn = str2func(fn);
end
if ~isa(fn, 'function_handle')
    error('scistack:foreach:badFunction', ...
          ['for_each: the first argument is the function to run, as a handle ', ...
           '(@bandpass_filter), not a %s'], class(fn));
end
end

function name = function_name(fn)
name = func2str(fn);
if numel(name) > 1 && name(1) == '@' && isvarname(name(2:end))
    name = name(2:end);
end
end

function opt = settle_options(options)
opt = struct('where', [], 'dry_run', false, 'save', true, 'as_table', false, ...
             'batch_size', 500, 'raise', false, 'progress', [], 'skip_computed', true);
if isfield(options, 'where') && ~isempty(options.where)
    where = options.where;
    if isstring(where)
        where = char(where);
    end
    if ischar(where)
        opt.where = struct('op', 'sql', 'sql', where);
    elseif isa(where, 'scidb.Filter')
        opt.where = where.spec;
    else
        error('scistack:foreach:badFilter', ...
              ['for_each: ''where'' takes a filter (scidb.where(Side(), ''=='', ''left''), ', ...
               'scidb.Sql(''subject > 2'')) or SQL text, not a %s'], class(where));
    end
end
flags = {'dry_run', 'save'};
for k = 1:numel(flags)
    if isfield(options, flags{k})
        opt.(flags{k}) = logical(options.(flags{k}));
    end
end
if isfield(options, 'as_table')
    as_table = options.as_table;
    if isstring(as_table)
        as_table = cellstr(as_table);
    end
    if ischar(as_table)
        as_table = {as_table};
    end
    if iscell(as_table)
        opt.as_table = reshape(as_table, [], 1);
    else
        opt.as_table = logical(as_table);
    end
end
if isfield(options, 'batch_size')
    size_value = double(options.batch_size);
    if ~isscalar(size_value) || size_value < 1 || size_value ~= round(size_value)
        error('scistack:foreach:badOption', ...
              'for_each: ''batch_size'' is a positive whole number of combinations');
    end
    opt.batch_size = size_value;
end
if isfield(options, 'on_error')
    mode = char(options.on_error);
    if ~any(strcmp(mode, {'continue', 'raise'}))
        error('scistack:foreach:badOption', ...
              'for_each: ''on_error'' is ''continue'' (the default) or ''raise''');
    end
    opt.raise = strcmp(mode, 'raise');
end
if isfield(options, 'progress') && ~isempty(options.progress)
    opt.progress = logical(options.progress);
end
if isfield(options, 'force') && logical(options.force)
    opt.skip_computed = false;
end
if isfield(options, 'skip_computed')
    opt.skip_computed = opt.skip_computed && logical(options.skip_computed);
end
end

function [specs, template, is_constant] = input_specifications(inputs)
% The engine spec of each input, and the constants passed as they are.
if isempty(inputs)
    inputs = struct();
elseif iscell(inputs)
    inputs = pairs_struct(inputs);
elseif ~isstruct(inputs) || numel(inputs) ~= 1
    error('scistack:foreach:badInputs', ...
          ['for_each: inputs are a scalar struct (struct(''signal'', RawEMG(), ', ...
           '''low_hz'', 20)) or a cell of name/value pairs; a cell value inside struct() ', ...
           'makes a struct array: wrap it in {} or use the cell form']);
end
names = fieldnames(inputs);
specs = struct();
template = cell(1, numel(names));
is_constant = false(1, numel(names));
for k = 1:numel(names)
    value = inputs.(names{k});
    if isa(value, 'scidb.BaseVariable') || isa(value, 'meta.class') || ...
            (ischar(value) && scidb.internal.is_variable_class(value))
        spec = struct('kind', 'variable', 'fixed', struct(), 'columns', '');
        spec.variable = scidb.internal.variable_name(value, 'for_each');
    elseif isa(value, 'scidb.Fixed') || isa(value, 'scidb.Col') || isa(value, 'scidb.Merge') || ...
            isa(value, 'scidb.PathTemplate')
        spec = value.spec();
    else
        try
            scistack.internal.wire_encode(value);
        catch err
            error('scistack:foreach:badInput', 'for_each: input ''%s'': %s', names{k}, ...
                  err.message);
        end
        spec = struct('kind', 'constant');
        spec.value = value;
        template{k} = value;
        is_constant(k) = true;
    end
    specs.(names{k}) = spec;
end
end

function s = pairs_struct(pairs)
if mod(numel(pairs), 2) ~= 0
    error('scistack:foreach:badInputs', ...
          'for_each: inputs given as a cell are name/value pairs: {''signal'', RawEMG()}');
end
s = struct();
for k = 1:2:numel(pairs)
    name = pairs{k};
    if isstring(name)
        name = char(name);
    end
    if ~ischar(name) || ~isvarname(name)
        error('scistack:foreach:badInputs', ...
              'for_each: input names are valid MATLAB names given as text');
    end
    s.(name) = pairs{k + 1};
end
end

function names = output_names(outputs)
if isempty(outputs)
    names = cell(1, 0);
    return
end
if ~iscell(outputs)
    if isstring(outputs) && numel(outputs) > 1
        outputs = cellstr(outputs);
    else
        outputs = {outputs};
    end
end
names = cell(1, numel(outputs));
for k = 1:numel(outputs)
    names{k} = scidb.internal.variable_name(outputs{k}, 'for_each outputs');
end
end

% ------------------------------------------------------------------ execution

function ids = split_ids(text)
% Record ids joined by commas (the engine's compact form) as a 1-by-N cell.
ids = regexp(text, ',', 'split');
end

function [message, stack] = error_report(err)
% The message and stack text of a failed call, as the run log keeps them.
if isempty(err.identifier)
    message = err.message;
else
    message = [err.identifier, ': ', err.message];
end
lines = cell(1, numel(err.stack));
n = 0;
for k = 1:numel(err.stack)
    frame = err.stack(k);
    if ~isempty(strfind(frame.name, 'run_for_each'))
        break
    end
    n = n + 1;
    lines{n} = sprintf('  at %s (%s, line %d)', frame.name, frame.file, frame.line);
end
stack = sprintf('%s\n', message, lines{1:n});
end

function end_run(run_id, status)
if isempty(run_id)
    return
end
try
    scistack.internal.engine_call('foreach_end', 'run_id', run_id, 'status', status);
catch
    % the engine is gone (or the run already ended): nothing is left to finish
end
end

function [progress, next_line] = report_progress(progress)
% A progress line at every tenth of the run, and after 30 s without one; by default
% (no 'progress' option) only once the run has taken 2 seconds.
done = progress.done;
next_line = (floor(done / progress.step) + 1) * progress.step;
elapsed = toc(progress.started);
if isempty(progress.mode) && elapsed < 2
    return
end
fprintf('for_each(%s): %d of %d combinations run (%d%%), %d failed, %.1f s\n', ...
        progress.name, done, progress.total, round(100 * done / max(progress.total, 1)), ...
        progress.failed, elapsed);
progress.shown = true;
end

function finish_progress(progress, status)
if ~progress.shown
    return
end
fprintf('for_each(%s): %d done, %d cached, %d skipped, %d failed in %.1f s\n', ...
        progress.name, sum(strcmp(status, 'done')), sum(strcmp(status, 'cached')), ...
        sum(strcmp(status, 'skipped')), sum(strcmp(status, 'failed')), ...
        toc(progress.started));
end

function warn_failures(fname, status, reason, columns, keys)
% One warning naming the first failed combination, when any failed.
failed = find(strcmp(status, 'failed'));
if isempty(failed)
    return
end
first = failed(1);
where = cell(1, numel(keys));
for k = 1:numel(keys)
    column = columns.(keys{k});
    if iscell(column)
        value = column{first};
    else
        value = column(first);
    end
    if ischar(value)
        where{k} = sprintf('%s=''%s''', keys{k}, value);
    else
        where{k} = sprintf('%s=%s', keys{k}, num2str(value));
    end
end
warning('scistack:foreach:failed', ...
        ['for_each(%s): %d of %d combinations failed; the first (%s): %s. The status ', ...
         'and reason columns of the result say which and why; the run log (_run_combos) ', ...
         'keeps their stacks'], fname, numel(failed), numel(status), strjoin(where, ', '), ...
        reason{first});
end
