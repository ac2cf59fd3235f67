function spec = input_spec(value)
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
%     'constant'                  anything else: the value stays in MATLAB; class
%                                 names its MATLAB class.
%   Inside a wrapper the engine takes an 'auto' struct as a table and refuses a
%   'constant' (scistack:scifor:input). A scalar struct that cannot be encoded (it holds
%   a function handle, say) is a constant. Called by scifor.for_each only.
%
%   Example:
%     spec = scifor.internal.input_spec(scifor.Fixed(struct('subject', [1; 2], ...
%                                                           'x', [3; 4]), 'subject', 1));
%
%   See also scifor.for_each, scifor.Table.

if isa(value, 'scifor.Fixed')
    spec = struct('kind', 'fixed', 'of', scifor.internal.input_spec(value.Data));
    spec.pins = value.Pins;
elseif isa(value, 'scifor.Select')
    spec = struct('kind', 'select', 'of', scifor.internal.input_spec(value.Data));
    spec.columns = value.Columns;
elseif isa(value, 'scifor.Merge')
    parts = cell(1, numel(value.Parts));
    for k = 1:numel(parts)
        parts{k} = scifor.internal.input_spec(value.Parts{k});
    end
    spec = struct('kind', 'merge');
    spec.parts = parts;
elseif isa(value, 'scifor.Table')
    spec = struct('kind', 'table', 'value', scistack.internal.wire_encode(value.Columns));
elseif isa(value, 'table')
    spec = struct('kind', 'table', 'value', scistack.internal.wire_encode(value));
elseif isstruct(value) && isscalar(value)
    try
        spec = struct('kind', 'auto', 'value', scistack.internal.wire_encode(value));
    catch err
        if ~strcmp(err.identifier, 'scistack:value:unsupported')
            rethrow(err);
        end
        spec = struct('kind', 'constant', 'class', 'struct');
    end
else
    spec = struct('kind', 'constant', 'class', class(value));
end
end
