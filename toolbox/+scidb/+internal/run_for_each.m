function [result, info] = run_for_each(fn, inputs, outputs, args, with_lineage)
%RUN_FOR_EACH  scidb.for_each and scihist.for_each: arguments in, result table out (internal).
%   [RESULT, INFO] = scidb.internal.run_for_each(FN, INPUTS, OUTPUTS, ARGS, WITH_LINEAGE)
%   runs FN over the combinations of the iterables in ARGS (name/value pairs, options
%   included): the engine plans the run (run_start), scistack.internal.run_batches calls
%   FN here once per combination and commits the outcomes in batches, and the engine
%   builds the result table, which is returned as a table (a struct of columns in GNU
%   Octave). The spec carries FN's fingerprint (scistack.internal.fingerprint, or the
%   Thunk's), so outputs are saved with their provenance (function, fingerprint,
%   constants, input records). With WITH_LINEAGE true, or when FN is a scilineage.Thunk,
%   combinations already computed are not run (status 'cached'), and ARGS may also hold
%   'force' and 'skip_computed'.
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

names = {'where', 'dry_run', 'save', 'skip_existing', 'as_table', 'batch_size', 'on_error', ...
         'progress', 'executor', 'db'};
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
if isempty(fingerprint)
    fingerprint = provenance_fingerprint(fn, fname, with_lineage);
end
opt = settle_options(options);
[input_specs, call_args, is_constant, readers] = input_specifications(inputs);
out_names = output_names(outputs);
writers = serialising_outputs(out_names);
if any(~cellfun(@isempty, [readers, writers]))
    plain = fn;
    fn = @(varargin) scidb.internal.serialised_call(plain, readers, writers, varargin{:});
end

spec = struct('function', fname);
spec.inputs = input_specs;
spec.outputs = out_names;
spec.iterables = iterables;
spec.as_table = opt.as_table;
spec.batch_size = opt.batch_size;
spec.skip_computed = opt.skip_computed && with_lineage;
spec.skip_existing = opt.skip_existing;
if ~isempty(opt.where)
    spec.where = opt.where;
end
if ~isempty(fingerprint)
    spec.fingerprint = fingerprint;
end
workers = scistack.internal.parallel_workers(opt.executor, fname);
spec.executor = char(opt.executor);  % checked just above; kept in the run log's options
request = struct('front', 'scidb', 'spec', spec, 'save', opt.save, 'dry_run', opt.dry_run);
request = scidb.internal.with_handle(request, options, []);
started = scistack.internal.engine_call('run_start', request);
kept = cell(0, numel(out_names));
if started.done
    finished = started;
else
    driver = struct('name', fname, 'n_out', numel(out_names), 'chunk', started.chunk, ...
                    'commit_seconds', started.commit_seconds, 'raise', opt.raise, ...
                    'progress', {opt.progress}, 'send', opt.save, 'mark_tables', false, ...
                    'workers', workers);
    driver.positions = find(~is_constant);
    [finished, kept] = scistack.internal.run_batches(fn, started, call_args, driver);
end
result = result_table(finished, out_names, kept, opt.save || opt.dry_run);
info = finished.info;
if finished.any_failed
    warning('scistack:foreach:failed', '%s', ...
            strjoin(reshape(cellstr(finished.notes), 1, []), sprintf('\n')));
end
end

function result = result_table(finished, out_names, kept, saved)
% The engine's result as a table; outputs not saved are the values FN returned.
n = finished.rows;
columns = finished.columns;
keys = cellstr(finished.keys);
statuses = cellstr(finished.statuses);
columns.status = reshape(statuses(finished.status_codes + 1), [], 1);
reasons = [{''}; reshape(cellstr(finished.reasons), [], 1)];
columns.reason = reshape(reasons(finished.reason_codes + 2), [], 1);
ids = cellstr(finished.record_ids);
for o = 1:numel(ids)
    columns.(out_names{o}) = reshape(regexp(ids{o}, ',', 'split'), [], 1);
    if n == 0
        columns.(out_names{o}) = cell(0, 1);
    end
end
if ~saved
    kept(end + 1:n, :) = {[]};
    for o = 1:numel(out_names)
        present = ~cellfun(@isempty, kept(:, o)) | strcmp(columns.status, 'done');
        columns.(out_names{o}) = scidb.internal.tidy_column(kept(:, o), present);
    end
end
result = scidb.internal.columns_table(columns, [reshape(keys, 1, []), {'status', 'reason'}, ...
                                                out_names], n);
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

function fingerprint = provenance_fingerprint(fn, fname, with_lineage)
% The code fingerprint saved with the outputs. Lineage needs it; a plain for_each records
% it as provenance, and runs without provenance (warning) when FN cannot be fingerprinted.
if with_lineage
    fingerprint = scistack.internal.fingerprint(fn);
    return
end
try
    fingerprint = scistack.internal.fingerprint(fn);
catch err
    warning('scistack:foreach:noProvenance', ...
            'for_each(%s): outputs are saved without provenance: %s', fname, err.message);
    fingerprint = '';
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
             'batch_size', 500, 'raise', false, 'progress', [], 'skip_computed', true, ...
             'skip_existing', false, 'executor', 'serial');
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
flags = {'dry_run', 'save', 'skip_existing'};
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
if isfield(options, 'executor')
    opt.executor = options.executor;  % checked by scistack.internal.parallel_workers
end
if isfield(options, 'force') && logical(options.force)
    opt.skip_computed = false;
end
if isfield(options, 'skip_computed')
    opt.skip_computed = opt.skip_computed && logical(options.skip_computed);
end
end

function [specs, template, is_constant, readers] = input_specifications(inputs)
% The engine spec of each input, the constants passed as they are, and the variable
% inputs whose type defines from_db (an instance of it; [] elsewhere).
if isempty(inputs)
    inputs = struct();
elseif iscell(inputs) && isa(inputs{1}, 'scidb.BaseVariable')
    inputs = group_struct(inputs);
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
readers = cell(1, numel(names));
for k = 1:numel(names)
    value = inputs.(names{k});
    if isa(value, 'scidb.BaseVariable') || isa(value, 'meta.class') || ...
            (ischar(value) && scidb.internal.is_variable_class(value))
        spec = struct('kind', 'variable', 'fixed', struct(), 'columns', '');
        spec.variable = scidb.internal.variable_name(value, 'for_each');
        readers{k} = serialising_instance(spec.variable);
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

function writers = serialising_outputs(out_names)
% An instance of each output type that defines to_db ([] for the others).
writers = cell(1, numel(out_names));
for k = 1:numel(out_names)
    writers{k} = serialising_instance(out_names{k});
end
end

function instance = serialising_instance(name)
% An instance of the variable type NAME when it defines to_db or from_db, else [].
instance = [];
if scidb.internal.is_variable_class(name)
    candidate = feval(name);
    if scidb.BaseVariable.serialises(candidate)
        instance = candidate;
    end
end
end

function s = group_struct(members)
% A variable group's members (a cell of instances) as inputs named after each variable.
s = struct();
for k = 1:numel(members)
    if ~isa(members{k}, 'scidb.BaseVariable')
        error('scistack:foreach:badInputs', ...
              ['for_each: inputs given as a cell of variables (a variable group) hold ', ...
               'only variable instances, not a %s'], class(members{k}));
    end
    s.(class(members{k})) = members{k};
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
