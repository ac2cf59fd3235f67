function spec = input_spec(value, wrapped)
%INPUT_SPEC  Describe one input of scifor.for_each for the engine's run_start.
%   SPEC = scifor.internal.input_spec(VALUE) returns the struct that the engine
%   operation run_start takes for one input (python/scistack_engine/
%   gateway/scifor.py), with the field kind:
%     'fixed', 'select', 'merge'  a scifor.Fixed, scifor.Select or scifor.Merge, with
%                                 the spec of what it wraps (of, parts) and its pins or
%                                 columns;
%     'table'                     a MATLAB table or a scifor.Table; value holds its wire
%                                 bytes;
%     'auto'                      a scalar struct; value holds its wire bytes, and the
%                                 engine decides whether it is a struct of columns (a
%                                 table) or a constant;
%     'constant'                  anything else: the value stays in MATLAB.
%   SPEC = scifor.internal.input_spec(VALUE, true) describes a value inside a wrapper,
%   which must be a table (a struct is sent as 'table', a constant is an error).
%
%   A scalar struct that cannot be encoded (it holds a function handle, say) is a
%   constant. Called by scifor.for_each only.
%
%   Example:
%     spec = scifor.internal.input_spec(scifor.Fixed(struct('subject', [1; 2], ...
%                                                           'x', [3; 4]), 'subject', 1));
%
%   See also scifor.for_each, scifor.Table.

if nargin < 2
    wrapped = false;
end
if isa(value, 'scifor.Fixed')
    spec = struct('kind', 'fixed', 'of', scifor.internal.input_spec(value.Data, true));
    spec.pins = value.Pins;
elseif isa(value, 'scifor.Select')
    spec = struct('kind', 'select', 'of', scifor.internal.input_spec(value.Data, true));
    spec.columns = value.Columns;
elseif isa(value, 'scifor.Merge')
    parts = cell(1, numel(value.Parts));
    for k = 1:numel(parts)
        parts{k} = scifor.internal.input_spec(value.Parts{k}, true);
    end
    spec = struct('kind', 'merge');
    spec.parts = parts;
elseif isa(value, 'scifor.Table')
    spec = struct('kind', 'table', 'value', scistack.internal.wire_encode(value.Columns));
elseif isa(value, 'table')
    spec = struct('kind', 'table', 'value', scistack.internal.wire_encode(value));
elseif isstruct(value) && isscalar(value)
    if wrapped
        spec = struct('kind', 'table', 'value', scistack.internal.wire_encode(value));
        return
    end
    try
        spec = struct('kind', 'auto', 'value', scistack.internal.wire_encode(value));
    catch err
        if ~strcmp(err.identifier, 'scistack:value:unsupported')
            rethrow(err);
        end
        spec = struct('kind', 'constant');
    end
elseif wrapped
    error('scistack:scifor:input', ...
          ['scifor.Fixed, scifor.Select and scifor.Merge wrap tables (a table, a struct ', ...
           'of columns or a scifor.Table), got a %s'], class(value));
else
    spec = struct('kind', 'constant');
end
end
