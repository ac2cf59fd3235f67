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
[spec, call_args, readers] = input_specifications(inputs);
if isempty(fingerprint)  % lineage needs one; without, the engine warns: no provenance
    try
        fingerprint = scistack.internal.fingerprint(fn);
    catch err
        if with_lineage
            rethrow(err);
        end
        spec.unfingerprinted = err.message;
    end
end
if isempty(outputs)
    outputs = {};
end
out_names = cellstr(scidb.internal.variable_name(outputs, 'for_each outputs'));
writers = cellfun(@serialising_instance, out_names, 'UniformOutput', false);
if any(~cellfun(@isempty, [readers, writers]))
    plain = fn;
    fn = @(varargin) scidb.internal.serialised_call(plain, readers, writers, varargin{:});
end
spec.function = fname;
spec.outputs = out_names;
spec.fingerprint = fingerprint;
request = struct('front', 'scidb', 'spec', spec, 'lineage', with_lineage);
request.pairs = scistack.internal.sent_pairs(args);  % the engine tells options apart
[finished, kept] = scistack.internal.run_batches(fn, fname, request, call_args);
result = result_table(finished, out_names, kept);
info = finished.info;  % (failed combinations: the engine warned, scistack:foreach:failed)
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

function [spec, values, readers] = input_specifications(inputs)
% The inputs as the engine takes them (SPEC.inputs, a cell of each input's spec, named by
% SPEC.input_names as the user gave them: SPEC.input_form says how, and the engine
% checks the names), the constants passed as they are, and the variable inputs whose
% type defines from_db (an instance of it; [] elsewhere).
spec = struct('input_form', '');
if isempty(inputs)
    values = {};
    names = {};
elseif iscell(inputs) && isa(inputs{1}, 'scidb.BaseVariable')
    spec.input_form = 'group';  % a variable group: inputs named after their variables
    values = reshape(inputs, 1, []);
    names = cellfun(@class, values, 'UniformOutput', false);
elseif iscell(inputs)
    spec.input_form = 'pairs';
    values = reshape(inputs(2:2:end), 1, []);
    names = reshape(inputs(1:2:end), 1, []);
elseif isstruct(inputs) && numel(inputs) == 1
    values = reshape(struct2cell(inputs), 1, []);
    names = reshape(fieldnames(inputs), 1, []);
else
    error('scistack:foreach:badInputs', ...
          ['for_each: inputs are a scalar struct (struct(''signal'', RawEMG(), ', ...
           '''low_hz'', 20)) or a cell of name/value pairs; a cell value inside struct() ', ...
           'makes a struct array: wrap it in {} or use the cell form']);
end
specs = cell(1, numel(values));
readers = cell(1, numel(values));
for k = 1:numel(values)
    value = values{k};
    if isa(value, 'scidb.BaseVariable') || isa(value, 'meta.class') || ...
            (ischar(value) && scidb.internal.is_variable_class(value))
        specs{k} = struct('kind', 'variable', 'fixed', struct(), 'columns', '');
        specs{k}.variable = scidb.internal.variable_name(value, 'for_each');
        readers{k} = serialising_instance(specs{k}.variable);
        values{k} = [];
    elseif isa(value, 'scidb.Fixed') || isa(value, 'scidb.Col') || isa(value, 'scidb.Merge') || ...
            isa(value, 'scidb.PathTemplate')
        specs{k} = value.spec();
        values{k} = [];
    else
        try
            scistack.internal.wire_encode(value);
        catch err
            error('scistack:foreach:badInput', 'for_each: input ''%s'': %s', names{k}, ...
                  err.message);
        end
        specs{k} = struct('kind', 'constant');
        specs{k}.value = value;
    end
end
spec.inputs = specs;
spec.input_names = names;
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
