function b = encode_matlab_only(v, encode_item)
%ENCODE_MATLAB_ONLY  Wire items for the MATLAB classes GNU Octave does not have.
%   B = scistack.internal.encode_matlab_only(V, ENCODE_ITEM) returns the wire item
%   (uint8 row, no header) for V of class string, categorical, datetime, duration or
%   table, following the mapping of docs/data-model.md. ENCODE_ITEM is the item encoder
%   of scistack.internal.wire_encode, used for nested values. Called only by
%   wire_encode.
%
%     string scalar         'h string' + 's' ('n' when missing)
%     string array          'h string:size' + 'O' of 's'/'n' (row-major)
%     categorical array     'h categorical:size' + 'S' with a categorical column
%     datetime scalar       'p' (nanoseconds, time zone)
%     datetime array        'h datetime:size' + 'S' with a datetime64[ns] column
%     duration              'g' / 'h duration:size' + 'a' of timedelta64[ns]
%     table                 'F' (each variable one column; row names as the index)
%   A timetable and a datetime in 'UTCLeapSeconds' raise scistack:value:unsupported
%   with the conversion to make.
%   Arrays inside 'S' items are written in column-major order; the hint restores the
%   size.
%
%   MATLAB-only: listed in tools/check_portability.py.
%
%   Example (MATLAB):
%     item = scistack.internal.encode_matlab_only(string({'a', 'b'}), @(x) uint8([]));
%
%   See also scistack.internal.wire_encode, scistack.internal.decode_matlab_only.

switch class(v)
    case 'string'
        b = encode_string(v, encode_item);
    case 'categorical'
        b = [hint('categorical', size(v)), series(categorical_column(v(:), encode_item), ...
                                                  numel(v))];
    case 'datetime'
        if isscalar(v)
            b = datetime_scalar(v);
        else
            b = [hint('datetime', size(v)), series(datetime_column(v(:)), numel(v))];
        end
    case 'duration'
        ticks = duration_ticks(v);
        if isscalar(v)
            b = [103, text_bytes('m8[ns]'), typecast(ticks, 'uint8')];
        else
            b = [hint('duration', size(v)), array_item(reshape(ticks, size(v)), 'm8[ns]')];
        end
    case 'table'
        b = encode_table(v, encode_item);
    case 'timetable'
        error('scistack:value:unsupported', ...
              ['a timetable is not stored as one: convert it with timetable2table(tt) ', ...
               '(its row times become the first variable) and save the table']);
    otherwise
        error('scistack:value:unsupported', ...
              'cannot encode a %s; convert it to a table, struct or array first', class(v));
end
end

function b = encode_string(v, encode_item)
if isscalar(v)
    if ismissing(v)
        b = [hint_plain('string'), 110];
    else
        b = [hint_plain('string'), 115, text_bytes(char(v))];
    end
    return
end
sz = size(v);
if ismatrix(v)
    flat = reshape(v.', [], 1);
else
    flat = reshape(permute(v, ndims(v):-1:1), [], 1);
end
parts = cell(1, numel(flat) + 2);
parts{1} = hint('string', sz);
parts{2} = [79, shape_bytes(sz)];
for k = 1:numel(flat)
    if ismissing(flat(k))
        parts{k + 2} = uint8(110);
    else
        parts{k + 2} = encode_item(char(flat(k)));
    end
end
b = [parts{:}];
end

function b = encode_table(t, encode_item)
n = height(t);
names = t.Properties.VariableNames;
parts = cell(1, 2 * numel(names) + 2);
parts{1} = [70, typecast(uint64([n, numel(names)]), 'uint8')];
row_names = t.Properties.RowNames;
if isempty(row_names)
    parts{2} = [110, 114, typecast(int64([0, n, 1]), 'uint8')];
else
    parts{2} = [115, text_bytes(t.Properties.DimensionNames{1}), ...
                object_column(row_names, encode_item)];
end
for k = 1:numel(names)
    parts{2 * k + 1} = [115, text_bytes(names{k})];
    parts{2 * k + 2} = table_column(t.(names{k}), names{k}, encode_item);
end
b = [parts{:}];
end

function b = table_column(x, name, encode_item)
% One table variable as a DataFrame column.
if size(x, 2) ~= 1 || ndims(x) > 2
    error('scistack:value:unsupported', ...
          ['table variable ''%s'' has %d columns; store multi-column variables as ', ...
           'separate variables (splitvars) or in a cell'], name, size(x, 2));
end
switch class(x)
    case 'string'
        missing_mask = ismissing(x);
        texts = cell(numel(x), 1);
        for k = 1:numel(x)
            if ~missing_mask(k)
                texts{k} = encode_item(char(x(k)));
            else
                texts{k} = uint8(110);
            end
        end
        b = [101, text_bytes('string[python]'), array_item(missing_mask, 'b1'), ...
             108, typecast(uint64(numel(x)), 'uint8'), texts{:}];
    case 'categorical'
        b = categorical_column(x, encode_item);
    case 'datetime'
        b = datetime_column(x);
    case 'duration'
        b = [97, array_body(duration_ticks(x), 'm8[ns]')];
    case 'cell'
        b = object_column(x, encode_item);
    case 'logical'
        b = [97, array_body(x, 'b1')];
    otherwise
        if ~isnumeric(x)
            error('scistack:value:unsupported', ...
                  'table variable ''%s'' of class %s has no DataFrame column form', ...
                  name, class(x));
        end
        b = [97, array_body(x, numeric_code(x))];
end
end

function b = object_column(c, encode_item)
parts = cell(1, numel(c) + 1);
parts{1} = [111, typecast(uint64(numel(c)), 'uint8')];
for k = 1:numel(c)
    parts{k + 1} = encode_item(c{k});
end
b = [parts{:}];
end

function b = categorical_column(x, encode_item)
% 'k': ordered flag, the categories as an object column, int32 codes (-1 = missing).
names = categories(x);
codes = int32(double(x)) - 1;
codes(isundefined(x)) = -1;
b = [107, uint8(isordinal(x)), object_column(names, encode_item), ...
     array_item(codes(:), 'i4')];
end

function b = datetime_column(x)
% Naive: 'a' datetime64[ns] of wall-clock times; aware: 'e' of UTC instants.
ticks = datetime_ticks(x(:));
if isempty(x.TimeZone)
    b = [97, array_body(ticks, 'M8[ns]')];
else
    spec = ['datetime64[ns, ', x.TimeZone, ']'];
    b = [101, text_bytes(spec), array_item(isnat(x(:)), 'b1'), ...
         array_item(ticks, 'M8[ns]')];
end
end

function b = datetime_scalar(x)
if isnat(x)
    b = uint8(77);
else
    b = [112, typecast(datetime_ticks(x), 'uint8'), text_bytes('ns'), text_bytes(x.TimeZone)];
end
end

function ticks = datetime_ticks(x)
% Nanoseconds since 1970-01-01 (UTC for zoned values); NaT -> the int64 minimum.
if isempty(x.TimeZone)
    epoch = datetime(1970, 1, 1);
else
    if strcmp(x.TimeZone, 'UTCLeapSeconds')
        error('scistack:value:unsupported', ...
              ['datetimes in ''UTCLeapSeconds'' have no Python form (pandas counts no ', ...
               'leap seconds); set t.TimeZone = ''UTC'' before saving']);
    end
    x.TimeZone = 'UTC';
    epoch = datetime(1970, 1, 1, 'TimeZone', 'UTC');
end
ticks = int64(convertTo(x, 'epochtime', 'Epoch', epoch, 'TicksPerSecond', 1e9));
ticks(isnat(x)) = intmin('int64');
end

function ticks = duration_ticks(x)
ticks = int64(round(milliseconds(x) * 1e6));
ticks(isnan(x)) = intmin('int64');
end

function b = series(column, n)
% An 'S' item: no name, a RangeIndex 0..n-1, then the column.
b = [83, 110, 110, 114, typecast(int64([0, n, 1]), 'uint8'), column];
end

function b = array_item(x, code)
b = [97, array_body(x, code)];
end

function b = array_body(x, code)
% dtype, order 'F', shape (N-by-1 -> 1-D), raw bytes.
sz = size(x);
if numel(sz) == 2 && sz(2) == 1
    sz = sz(1);
end
if islogical(x)
    data = uint8(reshape(x, 1, []));
else
    data = typecast(reshape(x, 1, []), 'uint8');
end
b = [text_bytes(code), 70, shape_bytes(sz), data];
end

function code = numeric_code(x)
codes = struct('double', 'f8', 'single', 'f4', 'int8', 'i1', 'uint8', 'u1', 'int16', ...
               'i2', 'uint16', 'u2', 'int32', 'i4', 'uint32', 'u4', 'int64', 'i8', ...
               'uint64', 'u8');
if ~isreal(x)
    error('scistack:value:unsupported', 'complex table variables are not supported');
end
code = codes.(class(x));
end

function b = shape_bytes(sz)
if numel(sz) == 2 && sz(2) == 1 && sz(1) ~= 1
    sz = sz(1);
end
b = typecast(uint64([numel(sz), sz]), 'uint8');
end

function b = hint(class_name, sz)
size_text = sprintf('%dx', sz);
b = hint_plain([class_name, ':', size_text(1:end - 1)]);
end

function b = hint_plain(text_value)
b = [104, text_bytes(text_value)];
end

function b = text_bytes(s)
raw = unicode2native(s, 'UTF-8');
b = [typecast(uint64(numel(raw)), 'uint8'), reshape(raw, 1, [])];
end
