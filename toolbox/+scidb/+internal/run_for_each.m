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

fingerprint = '';
if isa(fn, 'scilineage.Thunk')
    % a Thunk keeps its meaning: lineage with its fingerprint (or declared version)
    fingerprint = fn.fingerprint;
    fn = fn.fn;
    with_lineage = true;
end
[fn, fname] = scistack.internal.function_of(fn, 'scistack:foreach:badFunction', ...
                                            ['for_each: the first argument is the function ', ...
                                             'to run, as a handle (@bandpass_filter), not a %s']);
if isempty(fingerprint)
    fingerprint = provenance_fingerprint(fn, fname, with_lineage);
end
[input_specs, call_args, names, readers] = input_specifications(inputs);
out_names = output_names(outputs);
writers = serialising_outputs(out_names);
if any(~cellfun(@isempty, [readers, writers]))
    plain = fn;
    fn = @(varargin) scidb.internal.serialised_call(plain, readers, writers, varargin{:});
end
spec = struct('function', fname, 'outputs', {out_names}, 'fingerprint', fingerprint);
spec.inputs = input_specs;
request = struct('front', 'scidb', 'spec', spec, 'lineage', with_lineage);
request.pairs = scistack.internal.sent_pairs(args);  % the engine tells options apart
[finished, kept] = scistack.internal.run_batches(fn, fname, request, names, call_args);
result = result_table(finished, out_names, kept);
info = finished.info;
if finished.any_failed
    warning('scistack:foreach:failed', '%s', ...
            strjoin(reshape(cellstr(finished.notes), 1, []), sprintf('\n')));
end
end

function result = result_table(finished, out_names, kept)
% The engine's result as a table; the outputs it has no column for (not saved) are the
% values FN returned.
columns = finished.columns;
for o = find(~isfield(columns, out_names))
    kept(end + 1:finished.rows, o) = {[]};
    present = ~cellfun(@isempty, kept(:, o)) | strcmp(columns.status, 'done');
    columns.(out_names{o}) = scidb.internal.tidy_column(kept(:, o), present);
end
result = scidb.internal.columns_table(columns, cellstr(finished.names), finished.rows);
end

% ------------------------------------------------------------------ arguments

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

function [specs, template, names, readers] = input_specifications(inputs)
% The engine spec of each input, the constants passed as they are, the inputs' names,
% and the variable inputs whose type defines from_db (an instance of it; [] elsewhere).
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
names = reshape(fieldnames(inputs), 1, []);
specs = struct();
template = cell(1, numel(names));
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
