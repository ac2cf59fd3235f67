function [result, report] = for_each(fn, inputs, varargin)
%FOR_EACH  Call a function once per combination of metadata values and collect the results.
%   RESULT = scifor.for_each(FN, INPUTS, KEY1, VALUES1, KEY2, VALUES2, ...) calls the
%   function FN (a function handle or its name) once for each combination of the values
%   of the schema keys KEY1, KEY2, ... (see scifor.set_schema), the first key varying
%   slowest. INPUTS is a scalar struct: each field is one argument of FN, passed in the
%   order of the fields. A table input is cut, for each combination, to the rows whose
%   key columns equal the combination; anything else is a constant passed unchanged.
%   In MATLAB, name=value syntax works too:
%     scifor.for_each(@f, inputs, subject=[1 2 3], session=["pre", "post"])
%
%   Table inputs are MATLAB tables, scifor.Table(S), scifor.Fixed, scifor.Select,
%   scifor.Merge, and scalar structs of columns (a field per column, all of one height:
%   numeric or logical vectors, cell vectors of text) that have a field named after a
%   schema key; GNU Octave has no table class and uses structs of columns. Any other
%   value, including any other struct, is a constant.
%
%   VALUES is a vector, a cell array, a string array, or one value; [] means every value
%   present in the table inputs. What FN receives for a table input: the value itself
%   when one row and one data column remain after dropping the sliced key columns, else
%   the matching rows as a table (a struct of columns in GNU Octave).
%
%   Options (name/value pairs, char or string names):
%     'where'        a filter built with scifor.Col, applied before slicing
%     'as_table'     true, or a cell of input names: pass those inputs as tables always
%     'distribute'   true: split each output into rows numbered in the next schema key
%     'output_names' cell of names: FN has that many outputs, one column each
%     'dry_run'      true: do not call FN; RESULT lists each combination, the rows found
%                    per table input, its status (run, skip, error) and the reason
%     'on_error'     'continue' (default: record the error, go on) or 'raise' (stop and
%                    rethrow FN's error unchanged)
%     'progress'     true: show a progress line; false: never; [] (default): once a run
%                    lasts more than two seconds
%     'executor'     'serial' (default) or 'processes': FN runs on parallel workers
%                    (MATLAB: parfeval on a process pool, Parallel Computing Toolbox;
%                    GNU Octave: parcellfun of the parallel package), in groups that
%                    finish within the commit interval; a function under a millisecond
%                    per call runs here. Without those, a warning and a serial run.
%
%   RESULT is a table (a struct of columns in GNU Octave) with one row per combination
%   that ran: the iterated keys, then one column per output (a single output is named
%   result). When every call returns a table, those tables are stacked instead.
%   [RESULT, REPORT] = scifor.for_each(...) also returns the run report, a struct with
%   skipped (struct array: combo, reason), errors (struct array: combo, stage,
%   error_type, message, traceback) and summary (combos, ran, skipped, errors, dry_run).
%
%   The rules (slicing, skipping, filters, the result table) are those of Python's
%   scifor.for_each: the engine plans the run and builds the result, and MATLAB calls FN
%   for the combinations of each batch the engine hands out. Errors raised by the
%   engine carry identifiers scistack:scifor:<reason> (schema, input, filter, output).
%
%   Example:
%     scifor.set_schema({'subject', 'session'});
%     raw = struct('subject', [1; 1; 2; 2], 'session', {{'pre'; 'post'; 'pre'; 'post'}}, ...
%                  'signal', {{randn(500, 1); randn(500, 1); randn(500, 1); randn(500, 1)}});
%     results = scifor.for_each(@bandpass_filter, struct('signal', raw, 'low_hz', 20), ...
%                               'subject', [1 2], 'session', {'pre', 'post'});
%
%   See also scifor.set_schema, scifor.Fixed, scifor.Select, scifor.Merge, scifor.Col,
%   scifor.Table.

if nargin < 1
    error('scistack:scifor:badArguments', ...
          'usage: scifor.for_each(@fn, inputs_struct, ''key'', values, ...)');
end
[fn, fn_name] = scistack.internal.function_of(fn, 'scistack:scifor:badArguments', ...
                                              ['scifor.for_each takes a function handle ', ...
                                               '(or a function name) first, got a %s']);
if nargin < 2 || (isempty(inputs) && ~isstruct(inputs))
    inputs = struct();
end
if ~isstruct(inputs) || ~isscalar(inputs)
    error('scistack:scifor:badArguments', ...
          ['scifor.for_each takes its inputs as a scalar struct, one field per argument ', ...
           'of the function, e.g. struct(''signal'', raw, ''low_hz'', 20)']);
end
names = fieldnames(inputs);
specs = cell(1, numel(names));
for k = 1:numel(names)
    specs{k} = scifor.internal.input_spec(inputs.(names{k}));
    specs{k}.name = names{k};
end
request = struct('front', 'scifor', 'function', fn_name);
request.inputs = specs;
request.pairs = scistack.internal.sent_pairs(varargin);  % the engine tells options apart
call_args = cellfun(@(name) inputs.(name), names, 'UniformOutput', false);
finished = scistack.internal.run_batches(fn, fn_name, request, reshape(call_args, 1, []));
result = finished.result;
report = finished.report;  % its skipped and errors: N-by-1 struct arrays
end
