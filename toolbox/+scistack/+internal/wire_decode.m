function value = wire_decode(bytes, first)
%WIRE_DECODE  Decode SciStack wire bytes into a MATLAB value.
%   VALUE = scistack.internal.wire_decode(BYTES) rebuilds the value encoded in BYTES (a
%   uint8 vector in the wire encoding of docs/data-model.md, header included).
%   VALUE = scistack.internal.wire_decode(BYTES, FIRST) decodes the item that starts at
%   byte FIRST and runs to the end of BYTES, a uint8 row whose header the caller has
%   checked; engine_call uses it to read the value inside a reply without copying it.
%
%   Decoded as (wire item -> MATLAB value):
%     'f' double, 'c' complex double, '?' logical, 's' char row, 'n' and 'N' [],
%     'i' double when exactly representable, else int64,
%     'g' NumPy scalar -> 1x1 of the matching class,
%     'a' array -> array of the matching class; a 1-D array is an N-by-1 column and
%         row-major ('C') data is reordered to MATLAB's column-major layout,
%     'O' object array, 'l' list, 'u' tuple -> cell array ('l' and 'u' N-by-1),
%     'd' dict -> struct when every key is a valid field name, else containers.Map,
%     'F' DataFrame -> struct of columns (a table in MATLAB),
%     't', 'p', 'D' datetimes -> ISO 8601 text (datetime in MATLAB); NaT -> NaN,
%     datetime64 arrays and columns -> POSIX seconds (datetime in MATLAB),
%     'h' class hint -> the class and size MATLAB encoded (see wire_encode).
%   An 'I' integer (outside int64) raises scistack:value:notRepresentable; bytes that
%   are not a complete encoding raise scistack:value:badEncoding.
%
%   Example:
%     value = scistack.internal.wire_decode(scistack.internal.wire_encode({1, 'a'}));
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
    case 100 % 'd' dict
        [v, p] = decode_dict(b, p);
    case 97 % 'a' array
        [v, p] = decode_array(b, p);
    case 105 % 'i' int
        v = int_value(typecast(b(p:p + 7), 'int64'));
        p = p + 8;
    case 63 % '?' bool
        v = b(p) ~= 0;
        p = p + 1;
    case 110 % 'n' None
        v = [];
    case 99 % 'c' complex
        x = typecast(b(p:p + 15), 'double');
        v = complex(x(1), x(2));
        p = p + 16;
    case 103 % 'g' NumPy scalar
        [code, p] = read_text(b, p);
        [v, p, kind] = read_values(b, p, code, 1);
        if iscell(v)
            v = v{1};
        end
        v = finish_kind(v, kind, code, true);
    case 79 % 'O' object array
        [shape, p] = read_shape(b, p);
        n = prod(shape);
        items = cell(1, n);
        for k = 1:n
            [items{k}, p] = decode_item(b, p);
        end
        v = arrange(items, shape, 67);
    case {108, 117} % 'l' list, 'u' tuple
        n = read_count(b, p);
        p = p + 8;
        v = cell(n, 1);
        for k = 1:n
            [v{k}, p] = decode_item(b, p);
        end
    case 104 % 'h' MATLAB class hint
        [hint, p] = read_text(b, p);
        [v, p] = decode_item(b, p);
        v = apply_hint(hint, v);
    case 70 % 'F' DataFrame
        [v, p] = decode_dataframe(b, p);
    case 83 % 'S' Series: its values
        [~, p] = decode_item(b, p);
        [~, p] = read_index(b, p);
        [v, p] = read_column(b, p);
    case 78 % 'N' pandas.NA
        v = [];
    case 77 % 'M' pandas.NaT
        v = time_scalar(int64(0), 's', '', true);
    case 112 % 'p' pandas.Timestamp
        ticks = typecast(b(p:p + 7), 'int64');
        [unit, p] = read_text(b, p + 8);
        [tz, p] = read_text(b, p);
        v = time_scalar(ticks, 'ns', tz, false, unit);
    case 116 % 't' datetime.datetime
        ticks = typecast(b(p:p + 7), 'int64');
        [tz, p] = read_text(b, p + 8);
        v = time_scalar(ticks, 'us', tz, false, 'us');
    case 68 % 'D' datetime.date
        v = time_scalar(typecast(b(p:p + 7), 'int64'), 'D', '', false, 'D');
        p = p + 8;
    case 73 % 'I' int outside int64
        [digits, p] = read_text(b, p); %#ok<ASGLU> p is not used after the error
        error('scistack:value:notRepresentable', ...
              ['the integer %s is outside the int64 range and has no exact MATLAB ', ...
               'form; store it as text or as a float in Python'], digits);
    otherwise
        error('scistack:value:badEncoding', 'unknown wire tag %d (''%s'') at byte %d', ...
              tag, char(tag), p - 2);
end
end

function n = read_count(b, p)
n = double(typecast(b(p:p + 7), 'uint64'));
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

function [shape, p] = read_shape(b, p)
nd = double(typecast(b(p:p + 7), 'uint64'));
shape = double(typecast(b(p + 8:p + 7 + 8 * nd), 'uint64'));
p = p + 8 + 8 * nd;
end

function v = int_value(x)
% A Python int: double when that holds it exactly, else int64.
d = double(x);
if d < 9223372036854775808 && int64(d) == x
    v = d;
else
    v = x;
end
end

function [v, p] = decode_array(b, p)
% An 'a' item after its tag. Reading is inlined: this is the hot path for arrays.
n = double(typecast(b(p:p + 7), 'uint64'));
code = char(b(p + 8:p + 7 + n));
p = p + 9 + n;
order = b(p - 1);
nd = double(typecast(b(p:p + 7), 'uint64'));
shape = double(typecast(b(p + 8:p + 7 + 8 * nd), 'uint64'));
p = p + 8 + 8 * nd;
if strcmp(code, 'f8')
    count = prod(shape);
    data = typecast(b(p:p + 8 * count - 1), 'double');
    p = p + 8 * count;
    kind = 0;
else
    [data, p, kind] = read_values(b, p, code, prod(shape));
end
if nd == 1
    v = reshape(data, shape, 1);
elseif order == 70 && nd > 1
    v = reshape(data, shape);
elseif order == 67 || order == 70
    v = arrange(data, shape, order);
else
    error('scistack:value:badEncoding', 'array order must be ''C'' or ''F'', got %d', order);
end
if kind ~= 0
    v = finish_kind(v, kind, code, false);
end
end

function v = arrange(data, shape, order)
% Lay out the 1-by-n DATA (in ORDER 67 'C' or 70 'F') with the wire SHAPE.
nd = numel(shape);
if nd == 0
    v = data;
elseif nd == 1
    v = reshape(data, shape, 1);
elseif order == 70
    v = reshape(data, shape);
elseif nd == 2
    v = reshape(data, shape(2), shape(1)).';
else
    v = permute(reshape(data, fliplr(shape)), nd:-1:1);
end
end

function [data, p, kind] = read_values(b, p, code, n)
% N elements of dtype CODE as a 1-by-N row; KIND marks values that need finishing.
kind = 0;
[cls, width, is_complex] = numeric_class(code);
if ~isempty(cls)
    data = take(b, p, width * n);
    p = p + width * n;
    if ~strcmp(cls, 'uint8')
        data = typecast(data, cls);
    end
    if is_complex
        data = complex(data(1:2:end), data(2:2:end));
    end
elseif strcmp(code, 'b1')
    data = take(b, p, n) ~= 0;
    p = p + n;
elseif strcmp(code, 'f2')
    data = half_to_single(typecast(take(b, p, 2 * n), 'uint16'));
    p = p + 2 * n;
elseif strncmp(code, 'M8[', 3) || strncmp(code, 'm8[', 3)
    data = typecast(take(b, p, 8 * n), 'int64');
    p = p + 8 * n;
    kind = 1 + (code(1) == 'm'); % 1 datetime64, 2 timedelta64
elseif numel(code) > 1 && code(1) == 'U'
    width = str2double(code(2:end));
    codes = typecast(take(b, p, 4 * width * n), 'uint32');
    p = p + 4 * width * n;
    data = unicode_cells(reshape(codes, width, n));
else
    error('scistack:value:badEncoding', 'unknown array dtype ''%s''', code);
end
end

function [cls, width, is_complex] = numeric_class(code)
% The MATLAB class, bytes per element and complexity of a plain numeric dtype code
% ('' for the codes read_values handles itself).
is_complex = false;
switch code
    case 'f8'
        cls = 'double';
        width = 8;
    case 'f4'
        cls = 'single';
        width = 4;
    case 'i8'
        cls = 'int64';
        width = 8;
    case 'i4'
        cls = 'int32';
        width = 4;
    case 'i2'
        cls = 'int16';
        width = 2;
    case 'i1'
        cls = 'int8';
        width = 1;
    case 'u8'
        cls = 'uint64';
        width = 8;
    case 'u4'
        cls = 'uint32';
        width = 4;
    case 'u2'
        cls = 'uint16';
        width = 2;
    case 'u1'
        cls = 'uint8';
        width = 1;
    case 'c16'
        cls = 'double';
        width = 16;
        is_complex = true;
    case 'c8'
        cls = 'single';
        width = 8;
        is_complex = true;
    otherwise
        cls = '';
        width = 0;
end
end

function raw = take(b, p, n)
raw = b(p:p + n - 1); % indexing past the end raises: a truncated encoding
end

function v = finish_kind(v, kind, code, is_scalar)
% datetime64 and timedelta64 values: ticks -> the documented MATLAB/Octave forms.
if kind == 0
    return
end
unit = code(4:end - 1);
if kind == 2
    v = ticks_seconds(v, unit);
    if in_matlab()
        v = scistack.internal.decode_matlab_only('duration', v);
    end
elseif is_scalar
    v = time_scalar(v, unit, '', false, unit);
else
    v = time_array(v, unit, '');
end
end

function s = half_to_single(h)
% IEEE 754 binary16 bits -> single values.
h = double(h);
sgn = 1 - 2 * (h >= 32768);
ex = mod(floor(h / 1024), 32);
fr = mod(h, 1024);
s = sgn .* pow2(1 + fr / 1024, ex - 15);
sub = ex == 0;
s(sub) = sgn(sub) .* pow2(fr(sub) / 1024, -14);
top = ex == 31;
s(top & fr == 0) = sgn(top & fr == 0) * Inf;
s(top & fr ~= 0) = NaN;
s = single(s);
end

function c = unicode_cells(codes)
% Columns of UTF-32 code points (zero padded) -> a 1-by-n cell of char rows.
n = size(codes, 2);
c = cell(1, n);
for k = 1:n
    cp = double(codes(:, k).');
    cp = cp(1:find(cp, 1, 'last'));
    if isempty(cp)
        c{k} = '';
    elseif all(cp < 128)
        c{k} = char(cp);
    else
        c{k} = native2unicode(utf8_bytes(cp), 'UTF-8');
    end
end
end

function u = utf8_bytes(cp)
% Code points -> UTF-8 bytes.
u = zeros(1, 4 * numel(cp), 'uint8');
k = 0;
for c = cp
    if c < 128
        enc = c;
    elseif c < 2048
        enc = [192 + floor(c / 64), 128 + mod(c, 64)];
    elseif c < 65536
        enc = [224 + floor(c / 4096), 128 + mod(floor(c / 64), 64), 128 + mod(c, 64)];
    else
        enc = [240 + floor(c / 262144), 128 + mod(floor(c / 4096), 64), ...
               128 + mod(floor(c / 64), 64), 128 + mod(c, 64)];
    end
    u(k + 1:k + numel(enc)) = enc;
    k = k + numel(enc);
end
u = u(1:k);
end

function [v, p] = decode_dict(b, p)
n = read_count(b, p);
p = p + 8;
ks = cell(n, 1);
vs = cell(n, 1);
names = true;
for k = 1:n
    [ks{k}, p] = decode_item(b, p);
    [vs{k}, p] = decode_item(b, p);
    names = names && ischar(ks{k}) && isvarname(ks{k});
end
if n == 0
    v = struct();
elseif names
    v = cell2struct(vs, ks, 1);
else
    v = make_map(ks, vs);
end
end

function m = make_map(ks, vs)
% A containers.Map for dict keys that cannot be struct fields.
if isempty(ks)
    m = containers.Map('KeyType', 'char', 'ValueType', 'any');
elseif iscellstr(ks)
    m = containers.Map(ks, vs, 'UniformValues', false);
else
    numeric = cellfun(@(k) (isnumeric(k) || islogical(k)) && isscalar(k) && isreal(k), ks);
    if ~all(numeric)
        error('scistack:value:unsupported', ...
              ['a dict with keys of mixed or non-scalar types has no MATLAB form ', ...
               '(containers.Map keys are all text or all numbers)']);
    end
    keys_double = cellfun(@double, ks);
    exact = cellfun(@(k, d) isequal(double(k), d) && (~isinteger(k) || cast(d, class(k)) == k), ...
                    ks, num2cell(keys_double));
    if ~all(exact)
        error('scistack:value:notRepresentable', ...
              'a dict key is an integer that double cannot hold exactly');
    end
    m = containers.Map(keys_double, vs, 'UniformValues', false);
end
end

function v = apply_hint(hint, v)
% Restore the MATLAB class and size written by wire_encode (or encode_matlab_only).
cut = find(hint == ':', 1);
if isempty(cut)
    cls = hint;
    sz = [];
else
    cls = hint(1:cut - 1);
    sz = sscanf(strrep(hint(cut + 1:end), 'x', ' '), '%d').';
end
switch cls
    case 'cell'
        if ~isempty(sz) && iscell(v)
            v = reshape(v, sz);
        end
    case 'struct'
        if iscell(v)
            if isempty(v)
                v = repmat(struct(), sz);
            else
                v = reshape([v{:}], sz);
            end
        end
    case 'char'
        if iscell(v)
            v(cellfun('isempty', v)) = {char(0)};
            v = reshape([v{:}], sz);
        elseif ~isempty(sz)
            v = reshape(v, sz);
        end
    case 'containers.Map'
        if isstruct(v)
            v = make_map(fieldnames(v), struct2cell(v));
        end
    case {'string', 'categorical', 'datetime', 'duration'}
        if ~isempty(sz) && ~isstruct(v)
            v = reshape(v, sz);
        elseif isstruct(v) && ~isempty(sz)
            v.values = reshape(v.values, sz);
        end
        if strcmp(cls, 'string')
            if in_matlab()
                v = scistack.internal.decode_matlab_only('string', v);
            elseif iscell(v)
                v(cellfun('isempty', v)) = {''};
            end
        end
    otherwise
        % An unknown hint: the value beneath it stands as decoded.
end
end

% ------------------------------------------------------------------ DataFrames

function [v, p] = decode_dataframe(b, p)
% Octave: a struct of columns, a non-default index first. MATLAB: a table whose
% variable names follow table_names and whose text index is its RowNames.
nrows = read_count(b, p);
ncols = read_count(b, p + 8);
[index, p] = read_index(b, p + 16);
names = cell(1, ncols);
columns = cell(1, ncols);
for k = 1:ncols
    [names{k}, p] = decode_item(b, p);
    [columns{k}, p] = read_column(b, p);
end
for k = 1:ncols
    names{k} = name_text(names{k}, k);
end
default_index = index.is_range && index.start == 0 && index.step == 1 && ...
    index.stop == nrows && isempty(index.name);
row_names = {};
if ~default_index
    if index.is_range
        index.values = (index.start:index.step:index.stop - 1).';
    end
    if in_matlab() && iscellstr(index.values) && numel(unique(index.values)) == nrows
        row_names = index.values;
    else
        if index.text_dtype && iscell(index.values)
            if in_matlab()
                index.values = scistack.internal.decode_matlab_only('string', index.values);
            else
                index.values(cellfun('isempty', index.values)) = {''};
            end
        end
        names = [{name_text(index.name, 0)}, names];
        columns = [{index.values}, columns];
    end
end
fields = matlab.lang.makeUniqueStrings(matlab.lang.makeValidName(names));
v = cell2struct(columns(:), fields(:), 1);
if in_matlab()
    payload = table_names(names, name_text(index.name, 0), ~isempty(row_names));
    payload.columns = v;
    payload.rows = nrows;
    payload.row_names = row_names;
    v = scistack.internal.decode_matlab_only('table', payload);
end
end

function naming = table_names(columns, index_name, has_row_names)
% MATLAB table names for DataFrame COLUMNS: a name a table refuses (Properties,
% RowNames, VariableNames, ':', longer than namelengthmax, a repeat) becomes a unique
% valid name of at most namelengthmax characters, its original kept in descriptions
% ('' for the names kept). The dimension names (the row one after a named text index)
% give way to the column names.
reserved = {'Properties', 'RowNames', 'VariableNames', ':'};
limit = namelengthmax();
variables = columns;
[~, first] = unique(columns, 'first');
keep = false(size(columns));
keep(first) = true;
keep = keep & ~ismember(columns, reserved) & cellfun(@numel, columns) <= limit;
taken = [columns(keep), reserved];
for k = find(~keep)
    variables{k} = matlab.lang.makeUniqueStrings(matlab.lang.makeValidName(columns{k}), ...
                                                 taken, limit);
    taken{end + 1} = variables{k}; %#ok<AGROW> one per renamed column
end
descriptions = repmat({''}, size(columns));
descriptions(~keep) = columns(~keep);
dims = {'Row', 'Variables'};
if has_row_names && ~strcmp(index_name, 'index') && numel(index_name) <= limit && ...
        ~any(strcmp(index_name, reserved))
    dims{1} = index_name;
end
dims = matlab.lang.makeUniqueStrings(dims, [variables, reserved], limit);
naming = struct('names', {variables}, 'descriptions', {descriptions}, 'dims', {dims});
end

function t = name_text(name, position)
% A column or index name as text ('index' for an unnamed index).
if ischar(name) && ~isempty(name)
    t = name;
elseif isempty(name) && position == 0
    t = 'index';
elseif isnumeric(name) && isscalar(name)
    t = sprintf('%d', name);
else
    t = sprintf('Var%d', position);
end
end

function [index, p] = read_index(b, p)
[index.name, p] = decode_item(b, p);
index.is_range = b(p) == 114; % 'r'
if index.is_range
    r = double(typecast(b(p + 1:p + 24), 'int64'));
    index.start = r(1);
    index.stop = r(2);
    index.step = r(3);
    index.values = [];
    index.text_dtype = false;
    p = p + 25;
else
    % text stays a cell (with [] for missing) until it is known to be row names
    index.text_dtype = b(p) == 101;
    [index.values, p] = read_column(b, p, true);
end
end

function [v, p] = read_column(b, p, text_as_cells)
% One column; TEXT_AS_CELLS (default false) keeps a text dtype column a cell.
tag = b(p);
p = p + 1;
switch tag
    case 97 % 'a' NumPy dtype
        [v, p] = decode_array(b, p);
    case 111 % 'o' object: a cell column
        n = read_count(b, p);
        p = p + 8;
        v = cell(n, 1);
        for k = 1:n
            [v{k}, p] = decode_item(b, p);
        end
    case 107 % 'k' categorical
        ordered = b(p) ~= 0;
        [categories, p] = read_column(b, p + 1);
        if b(p) ~= 97
            error('scistack:value:badEncoding', 'expected category codes at byte %d', p - 1);
        end
        [codes, p] = decode_array(b, p + 1);
        v = categorical_column(categories, double(codes), ordered);
    case 101 % 'e' pandas extension dtype
        [v, p] = extension_column(b, p, nargin > 2 && text_as_cells);
    otherwise
        error('scistack:value:badEncoding', 'unknown column tag %d at byte %d', tag, p - 2);
end
end

function v = categorical_column(categories, codes, ordered)
% Octave form: struct with values (cellstr, '' when missing), categories, ordered.
% MATLAB: categorical from the codes and the exact text of each category.
if ~iscell(categories)
    categories = num2cell(categories);
end
if in_matlab()
    payload = struct('codes', codes, 'names', {cellfun(@exact_text, categories, ...
                                                       'UniformOutput', false)}, ...
                     'ordered', ordered);
    v = scistack.internal.decode_matlab_only('categorical', payload);
    return
end
values = repmat({''}, numel(codes), 1);
present = codes >= 0;
values(present) = categories(codes(present) + 1);
v = struct('values', {values}, 'categories', {categories}, 'ordered', ordered);
end

function t = exact_text(x)
% A category as text that reads back as the same value: integers in full, floats in the
% fewest significant digits (up to 17) that round-trip.
if ischar(x)
    t = x;
elseif islogical(x)
    t = mat2str(x);
elseif isinteger(x) || (isreal(x) && x == fix(x) && abs(x) < 2^53)
    t = sprintf('%d', x);
else
    for digits = 15:17
        t = sprintf('%.*g', digits, x);
        if str2double(t) == x
            return
        end
    end
end
end

function [v, p] = extension_column(b, p, text_as_cells)
[spec, p] = read_text(b, p);
if b(p) ~= 97
    error('scistack:value:badEncoding', 'expected a missing-value mask at byte %d', p - 1);
end
[mask, p] = decode_array(b, p + 1);
if strncmp(spec, 'str[', 4) || strncmp(spec, 'string[', 7)
    [v, p] = decode_item(b, p);
    if text_as_cells
        return
    elseif in_matlab()
        v = scistack.internal.decode_matlab_only('string', v);
    else
        v(mask) = {''};
    end
    return
end
if b(p) ~= 97
    error('scistack:value:badEncoding', 'expected column values at byte %d', p - 1);
end
if strncmp(spec, 'datetime64[', 11)
    cut = find(spec == ',', 1);
    unit = strtrim(spec(12:cut - 1));
    tz = strtrim(spec(cut + 1:end - 1));
    [code, p] = read_text(b, p + 1);
    [shape, p] = read_shape(b, p + 1);
    [ticks, p] = read_values(b, p, code, prod(shape));
    v = time_array(reshape(ticks, [], 1), unit, tz);
    return
end
[v, p] = decode_array(b, p + 1);
if any(mask)
    v = double(v);
    v(mask) = NaN;
end
end

% ------------------------------------------------------------------ time values

function [secs, nanos] = split_ticks(ticks, unit)
% int64 ticks of UNIT -> whole seconds and nanoseconds (both int64, nanos >= 0).
switch unit
    case 's'
        secs = ticks;
        nanos = zeros(size(ticks), 'int64');
    case 'ms'
        [secs, nanos] = floor_div(ticks, 1000, 1000000);
    case 'us'
        [secs, nanos] = floor_div(ticks, 1000000, 1000);
    case 'ns'
        [secs, nanos] = floor_div(ticks, 1000000000, 1);
    case 'm'
        secs = ticks * 60;
        nanos = zeros(size(ticks), 'int64');
    case 'h'
        secs = ticks * 3600;
        nanos = zeros(size(ticks), 'int64');
    case 'D'
        secs = ticks * 86400;
        nanos = zeros(size(ticks), 'int64');
    case 'W'
        secs = ticks * 604800;
        nanos = zeros(size(ticks), 'int64');
    otherwise
        error('scistack:value:unsupported', ...
              'datetime64/timedelta64 values in unit ''%s'' have no MATLAB form', unit);
end
end

function [q, r_scaled] = floor_div(x, d, scale)
q = idivide(x, int64(d), 'floor');
r_scaled = (x - q * int64(d)) * int64(scale);
end

function s = ticks_seconds(ticks, unit)
% Ticks -> seconds as double, rounded once; NaT (the int64 minimum) -> NaN.
nat = ticks == intmin('int64');
s = double(ticks);
switch unit
    case 's'
    case 'ms'
        s = s / 1e3;
    case 'us'
        s = s / 1e6;
    case 'ns'
        s = s / 1e9;
    otherwise
        [secs, nanos] = split_ticks(ticks, unit); % minutes and longer (or an error)
        s = double(secs) + double(nanos) / 1e9;
end
big = abs(double(ticks)) >= 2^53 & ~nat;  % beyond double's integers: whole seconds first
if any(big(:))
    [secs, nanos] = split_ticks(ticks(big), unit);
    s(big) = double(secs) + double(nanos) / 1e9;
end
s(nat) = NaN;
end

function v = time_array(ticks, unit, tz)
% datetime64 arrays and columns: POSIX seconds in Octave, datetime in MATLAB.
if in_matlab()
    v = scistack.internal.decode_matlab_only('datetime', exact_time(ticks, unit, tz));
else
    v = ticks_seconds(ticks, unit);
end
end

function payload = exact_time(ticks, unit, tz)
% The integer ticks of UNIT as MATLAB's epochtime conversion takes them (ticks,
% ticks per second; NaT is the int64 minimum) and the time zone in MATLAB's spelling.
per_second = struct('s', 1, 'ms', 1e3, 'us', 1e6, 'ns', 1e9);
if isfield(per_second, unit)
    rate = per_second.(unit);
else
    nat = ticks == intmin('int64');
    ticks = split_ticks(ticks, unit); % minutes and longer: whole seconds (or an error)
    ticks(nat) = intmin('int64');
    rate = 1;
end
payload = struct('ticks', ticks, 'per_second', rate, 'tz', matlab_time_zone(tz));
end

function name = matlab_time_zone(wire_name)
% A wire time zone ('', 'UTC', '+HH:MM[:SS]', an IANA name; older files also hold
% pandas' 'UTC+HH:MM') -> the name MATLAB's datetime accepts.
name = regexprep(wire_name, '^UTC(?=[+-]\d)', '');
if ~isempty(regexp(name, '^[+-]\d\d:\d\d:\d\d$', 'once'))
    if strcmp(name(end - 2:end), ':00')
        name = name(1:end - 3);
    else
        error('scistack:value:notRepresentable', ...
              ['the time zone offset %s has seconds, which MATLAB''s datetime cannot ', ...
               'hold; store the times in UTC (or an IANA zone) in Python'], wire_name);
    end
end
end

function v = time_scalar(ticks, unit, tz, is_nat, shown_unit)
% One datetime: ISO 8601 text in Octave ('Z' marks an aware value, shown in UTC),
% datetime in MATLAB (rebuilt from the integer ticks).
if is_nat
    ticks = intmin('int64');
end
if in_matlab()
    v = scistack.internal.decode_matlab_only('datetime', exact_time(ticks, unit, tz));
    return
end
if ticks == intmin('int64')
    v = NaN;
    return
end
[secs, nanos] = split_ticks(ticks, unit);
days = idivide(secs, int64(86400), 'floor');
sod = double(secs - days * 86400);
[y, mo, d] = civil_date(double(days));
v = sprintf('%04d-%02d-%02d', y, mo, d);
if any(strcmp(shown_unit, {'D', 'W'}))
    return
end
v = sprintf('%sT%02d:%02d:%02d', v, floor(sod / 3600), mod(floor(sod / 60), 60), mod(sod, 60));
if nanos ~= 0
    switch shown_unit
        case 'ms'
            v = sprintf('%s.%03d', v, double(nanos) / 1e6);
        case 'us'
            v = sprintf('%s.%06d', v, double(nanos) / 1e3);
        otherwise
            v = sprintf('%s.%09d', v, double(nanos));
    end
end
if ~isempty(tz)
    v = [v, 'Z'];
end
end

function [y, m, d] = civil_date(days)
% Days since 1970-01-01 -> proleptic Gregorian year, month, day.
z = days + 719468;            % days since 0000-03-01
era = floor(z / 146097);      % 400-year cycles
doe = z - era * 146097;       % day of the cycle, 0..146096
yoe = floor((doe - floor(doe / 1460) + floor(doe / 36524) - floor(doe / 146096)) / 365);
doy = doe - (365 * yoe + floor(yoe / 4) - floor(yoe / 100));  % day of the March year
mp = floor((5 * doy + 2) / 153);                                % month from March, 0..11
d = doy - floor((153 * mp + 2) / 5) + 1;
if mp < 10
    m = mp + 3;
else
    m = mp - 9;
end
y = yoe + era * 400 + (m <= 2);
end

function tf = in_matlab()
tf = scistack.internal.has_value_classes();
end
