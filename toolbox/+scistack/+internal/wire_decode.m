function value = wire_decode(bytes, first)
%WIRE_DECODE  Decode a SciStack reply (wire bytes in the MATLAB profile) into a MATLAB value.
%   VALUE = scistack.internal.wire_decode(BYTES) rebuilds the value encoded in BYTES (a
%   uint8 vector in the MATLAB profile of the wire encoding, header included: what the
%   engine sends the toolbox, docs/data-model.md section 2.6).
%   VALUE = scistack.internal.wire_decode(BYTES, FIRST) decodes the item that starts at
%   byte FIRST and runs to the end of BYTES, a uint8 row whose header the caller has
%   checked; engine_call uses it to read the value inside a reply without copying it.
%
%   The engine lowers stored values before they reach MATLAB (times as integer ticks,
%   text as UTF-8, names a struct or table takes, every array column-major at its
%   MATLAB size, docs/data-model.md section 2.6), so this is a plain reader:
%     'f' double, '?' logical, 's' char row, 'n' [], 'C' char array (its codes),
%     'A' array: its MATLAB class, bytes per element, complexity, shape and
%         column-major data (a 0-d array 1x1, a 1-D array N-by-1),
%     'O' object array, 'W' text array (elements column-major) -> cell array,
%     'Z' struct array (an object array of structs; a 'd': an empty one's fields),
%     'd' dict (its keys field names) -> struct, 'm' map (its keys all text or all
%         doubles, then its values) -> containers.Map,
%     'X' a class GNU Octave lacks (string, datetime, duration, categorical, table):
%         its name and its parts, which decode_matlab_only builds it from.
%   Bytes that are not a complete encoding raise scistack:value:badEncoding.
%
%   Example:
%     value = scistack.internal.wire_decode(scistack.internal.engine_call('lower_wire', ...
%         'wire', scistack.internal.wire_encode({1, 'a'})));
%
%   See also scistack.internal.wire_encode, scistack.internal.engine_call.

if nargin < 2
    if ~isa(bytes, 'uint8')
        error('scistack:value:badEncoding', 'wire data must be uint8, got %s', class(bytes));
    end
    if size(bytes, 1) ~= 1
        bytes = reshape(bytes, 1, []);
    end
    if numel(bytes) < 5 || bytes(1) ~= 83 || bytes(2) ~= 83 || bytes(3) ~= 87 || bytes(4) ~= 1
        error('scistack:value:badEncoding', ...
              'not SciStack wire data: the header ''SSW'' 0x01 is missing');
    end
    first = 5;
end
try
    [value, pos] = decode_item(bytes, first);
catch err
    if strncmp(err.identifier, 'scistack:', 9)
        rethrow(err);
    end
    error('scistack:value:badEncoding', 'malformed wire data: %s', err.message);
end
if pos ~= numel(bytes) + 1
    error('scistack:value:badEncoding', '%d trailing bytes after the value at byte %d', ...
          numel(bytes) - pos + 1, pos - 1);
end
end

function [v, p] = decode_item(b, p)
tag = b(p);
p = p + 1;
switch tag
    case 102 % 'f' float
        v = typecast(b(p:p + 7), 'double');
        p = p + 8;
    case 115 % 's' str
        [v, p] = read_text(b, p);
    case 100 % 'd' dict: count, then per field its name ('s') and its value
        n = double(typecast(b(p:p + 7), 'uint64'));
        p = p + 8;
        names = cell(n, 1);
        values = cell(n, 1);
        for k = 1:n
            [names{k}, p] = read_text(b, p + 1);
            [values{k}, p] = decode_item(b, p);
        end
        if n == 0
            v = struct();
        else
            v = cell2struct(values, names, 1);
        end
    case 109 % 'm' containers.Map: its keys (text 'W' or doubles 'A'), then its values
        [keys, p] = decode_item(b, p);
        [values, p] = decode_item(b, p);
        if isempty(keys)
            v = containers.Map('KeyType', 'char', 'ValueType', 'any');
        else
            v = containers.Map(keys, values, 'UniformValues', false);
        end
    case 65 % 'A' array
        [v, p] = decode_array(b, p);
    case 63 % '?' bool
        v = b(p) ~= 0;
        p = p + 1;
    case 110 % 'n' None
        v = [];
    case 79 % 'O' object array
        [shape, p] = read_shape(b, p);
        n = prod(shape);
        items = cell(1, n);
        for k = 1:n
            [items{k}, p] = decode_item(b, p);
        end
        v = reshape(items, [shape, 1, 1]);
    case 87 % 'W' text array: shape, UTF-8 byte counts, the bytes
        [shape, p] = read_shape(b, p);
        n = prod(shape);
        counts = double(typecast(take(b, p, 8 * n), 'uint64'));
        raw = take(b, p + 8 * n, sum(counts));
        p = p + 8 * n + sum(counts);
        v = reshape(text_cells(raw, counts), [shape, 1, 1]);
    case 90 % 'Z' struct array: an object array of structs with the same fields
        [v, p] = decode_item(b, p);
        if isstruct(v)  % a struct ('d'): the fields of an empty, 0-by-1, struct array
            v = repmat(v, 0, 1);
        elseif isempty(v)
            v = repmat(struct(), size(v));
        else
            v = reshape([v{:}], size(v));
        end
    case 67 % 'C' char array: its character codes
        [v, p] = decode_item(b, p);
        v = char(v);
    case 88 % 'X' a MATLAB class GNU Octave lacks: its name, then its parts (a struct)
        [kind, p] = read_text(b, p);
        [parts, p] = decode_item(b, p);
        v = scistack.internal.decode_matlab_only(kind, parts);
    otherwise
        error('scistack:value:badEncoding', ...
              ['unknown wire tag %d (''%s'') at byte %d (stored bytes reach MATLAB ', ...
               'lowered by the engine)'], tag, char(tag), p - 2);
end
end

function [s, p] = read_text(b, p)
n = double(typecast(b(p:p + 7), 'uint64'));
raw = b(p + 8:p + 7 + n); % indexing past the end raises: a truncated encoding
p = p + 8 + n;
if n == 0
    s = '';
elseif all(raw < 128)
    s = char(raw);
else
    s = native2unicode(raw, 'UTF-8');
end
end

function c = text_cells(raw, counts)
% UTF-8 bytes RAW cut into COUNTS bytes each -> a 1-by-n cell of char rows.
if isempty(counts)
    c = cell(1, 0);
    return
elseif all(raw < 128)
    c = mat2cell(char(raw), 1, counts);
else
    c = cellfun(@(x) native2unicode(x, 'UTF-8'), mat2cell(raw, 1, counts), ...
                'UniformOutput', false);
end
c(counts == 0) = {''};
end

function [shape, p] = read_shape(b, p)
nd = double(typecast(b(p:p + 7), 'uint64'));
shape = double(typecast(b(p + 8:p + 7 + 8 * nd), 'uint64'));
p = p + 8 + 8 * nd;
end

function [v, p] = decode_array(b, p)
% An 'A' item after its tag: MATLAB class, bytes per element, complexity, shape, then
% the column-major data. Reading is inlined: this is the hot path for arrays.
n = double(typecast(b(p:p + 7), 'uint64'));
cls = char(b(p + 8:p + 7 + n));
width = double(b(p + 8 + n));
is_complex = b(p + 9 + n) ~= 0;
p = p + 10 + n;
nd = double(typecast(b(p:p + 7), 'uint64'));
shape = double(typecast(b(p + 8:p + 7 + 8 * nd), 'uint64'));
p = p + 8 + 8 * nd;
count = width * prod(shape);
data = take(b, p, count);
p = p + count;
if strcmp(cls, 'logical')
    data = data ~= 0;
elseif ~strcmp(cls, 'uint8')
    data = typecast(data, cls);
end
if is_complex % (made complex last: GNU Octave's reshape drops a zero imaginary part)
    v = complex(reshape(data(1:2:end), [shape, 1, 1]), reshape(data(2:2:end), [shape, 1, 1]));
else
    v = reshape(data, [shape, 1, 1]);
end
end

function raw = take(b, p, n)
raw = b(p:p + n - 1); % indexing past the end raises: a truncated encoding
end
