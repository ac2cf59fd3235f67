function bytes = wire_encode(value, with_header)
%WIRE_ENCODE  Encode a MATLAB value as SciStack wire bytes.
%   BYTES = scistack.internal.wire_encode(VALUE) returns the wire encoding of VALUE
%   (docs/data-model.md) as a 1xN uint8 row: the header 'SSW' 0x01 followed by one item.
%
%   Encoded as (MATLAB value -> wire item):
%     1x1 double            'f'      1x1 complex double     'c'
%     1x1 logical           '?'
%     other numeric and logical arrays  'A': MATLAB's class and size, column-major data
%                           (the engine stores it as 'g', a NumPy scalar, when 1x1,
%                           else as 'a' with the dtype of the class, an N-by-1 one
%                           with shape (N))
%     char row (and '')     's' (UTF-8); other char arrays 'C': their codes (uint16)
%     cell array            'Y': MATLAB's size, the elements in column-major order
%     scalar struct         'd' with text keys
%     struct array          'Z': MATLAB's size, the field names, then per element
%                           (column-major) its field values
%     containers.Map        'P': its keys, then its values (two cell arrays)
%   'A', 'C', 'Y', 'Z' and 'P', and the string, table, datetime, duration and
%   categorical values that scistack.internal.encode_matlab_only writes in MATLAB, are
%   items of the MATLAB request profile, which the engine raises to the stored encoding
%   ('g' or 'a', 'h char:size' + 'a' U1, 'h cell:size' + 'O', 'h struct:size' + 'O' of
%   dicts, 'h containers.Map' + 'd', ...; docs/data-model.md section 2.7).
%
%   Anything else (function handles, objects, sparse matrices, complex integers) raises
%   an error with identifier scistack:value:unsupported.
%
%   ITEM = scistack.internal.wire_encode(VALUE, false) returns the item alone, without
%   the header (engine_call builds a request around encoded arguments this way).
%
%   Example:
%     bytes = scistack.internal.wire_encode(struct('subject', 1, 'session', 'pre'));
%     value = scistack.internal.wire_decode(bytes);
%
%   See also scistack.internal.wire_decode, scistack.internal.engine_call.

if nargin > 1 && ~with_header
    bytes = encode_item(value);
else
    bytes = [uint8([83, 83, 87, 1]), encode_item(value)];
end
end

function b = encode_item(v)
% One wire item (tag and body) for the value V, as a uint8 row.
switch class(v)
    case 'double'
        if issparse(v)
            unsupported(v, 'sparse matrices (use full(x))');
        elseif numel(v) == 1
            if isreal(v)
                b = [102, typecast(v, 'uint8')];
            else
                b = [99, typecast([real(v), imag(v)], 'uint8')];
            end
        else
            b = encode_array(v);
        end
    case 'char'
        b = encode_char(v);
    case 'struct'
        if numel(v) == 1
            b = encode_fields(v);
        else
            b = encode_struct_array(v);
        end
    case 'cell'
        b = encode_cell(v);
    case 'logical'
        if issparse(v)
            unsupported(v, 'sparse matrices (use full(x))');
        elseif numel(v) == 1
            b = uint8([63, v]);
        else
            b = encode_array(v);
        end
    case {'single', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64'}
        b = encode_array(v);
    case 'containers.Map'
        b = encode_map(v);
    case {'string', 'table', 'timetable', 'datetime', 'duration', 'categorical'}
        b = scistack.internal.encode_matlab_only(v, @encode_item);
    otherwise
        unsupported(v, '');
end
end

function b = encode_array(v)
% An 'A' item: the class, the complexity, MATLAB's size, then the column-major data (real
% and imaginary parts interleaved); the engine gives it the dtype of the class.
if islogical(v)
    data = uint8(reshape(v, 1, []));
elseif isreal(v)
    data = typecast(reshape(v, 1, []), 'uint8');
else
    data = typecast(reshape([reshape(real(v), 1, []); reshape(imag(v), 1, [])], 1, []), ...
                    'uint8');
end
cls = class(v);  % (concatenating uint8 with uint8 only: doubles cost a conversion pass)
b = [uint8([65, numel(cls), 0, 0, 0, 0, 0, 0, 0, double(cls), ~isreal(v)]), ...
     typecast(uint64([ndims(v), size(v)]), 'uint8'), data];
end

function b = encode_char(v)
% A char row is text ('s'); other char arrays are sent as their codes ('C').
sz = size(v);
if sz(1) == 1 && sz(2) > 0 && numel(sz) == 2
    if all(v < 128)
        b = [uint8(115), typecast(uint64(sz(2)), 'uint8'), uint8(v)];
    else
        b = [uint8(115), text_bytes(v)];
    end
elseif sz(1) == 0 && sz(2) == 0 && numel(sz) == 2
    b = uint8([115, 0, 0, 0, 0, 0, 0, 0, 0]);
else
    b = [67, encode_array(uint16(v))];
end
end

function b = encode_fields(s)
% A scalar struct as a dict with text keys, in field order.
persistent names_of
if isempty(names_of)
    names_of = field_names_function();
end
names = names_of(s);
values = struct2cell(s);
n = numel(names);
parts = cell(1, 2 * n + 1);
parts{1} = [uint8(100), typecast(uint64(n), 'uint8')];
for k = 1:n
    name = names{k};
    % a field name is ASCII and at most 63 characters: its length fits one byte
    parts{2 * k} = [115, numel(name), 0, 0, 0, 0, 0, 0, 0, uint8(name)];
    parts{2 * k + 1} = encode_item(values{k});
end
b = [parts{:}];
end

function f = field_names_function()
% fieldnames, or in GNU Octave the builtin beneath it (its .m wrapper costs ~5 us a call).
if exist('__fieldnames__', 'builtin') > 0
    f = str2func('__fieldnames__');
else
    f = @fieldnames;
end
end

function b = encode_struct_array(s)
% A 'Z' item: MATLAB's size, the field names, then every element's field values.
names = fieldnames(s);
heads = cellfun(@(name) [uint8(115), text_bytes(name)], names, 'UniformOutput', false);
b = [size_header(90, size(s)), typecast(uint64(numel(names)), 'uint8'), heads{:}, ...
     encode_items(struct2cell(s))];
end

function b = encode_cell(c)
% A 'Y' item: MATLAB's size, then the elements in column-major order.
b = [size_header(89, size(c)), encode_items(c)];
end

function b = encode_items(c)
% The items of the elements of the cell C, column-major, back to back.
parts = cell(1, numel(c));
for k = 1:numel(c)
    parts{k} = encode_item(c{k});
end
b = [uint8([]), parts{:}];
end

function b = size_header(tag, sz)
b = [uint8(tag), typecast(uint64([numel(sz), sz]), 'uint8')];
end

function b = encode_map(m)
% A containers.Map as its keys and its values ('P'): the engine stores a dict under a hint.
b = [80, encode_cell(keys(m)), encode_cell(values(m))];
end

function b = text_bytes(s)
% u64 byte count, then UTF-8 bytes.
if all(s < 128)
    raw = uint8(s);
else
    raw = unicode2native(s, 'UTF-8');
end
b = [typecast(uint64(numel(raw)), 'uint8'), reshape(raw, 1, [])];
end

function unsupported(v, what)
if isempty(what)
    what = ['values of class ''', class(v), ''''];
end
error('scistack:value:unsupported', ...
      ['cannot encode %s; supported: numeric, logical and char arrays, cell arrays, ', ...
       'structs and struct arrays, containers.Map (and in MATLAB string, table, ', ...
       'datetime, duration and categorical)'], what);
end
