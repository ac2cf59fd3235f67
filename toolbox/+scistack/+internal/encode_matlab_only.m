function b = encode_matlab_only(v, encode_item)
%ENCODE_MATLAB_ONLY  Request items for the MATLAB classes GNU Octave does not have.
%   B = scistack.internal.encode_matlab_only(V, ENCODE_ITEM) returns the item (uint8
%   row, no header) for V of class string, categorical, datetime, duration or table in
%   the MATLAB request profile (docs/data-model.md section 2.7): only what MATLAB knows
%   at no cost, which the engine raises to the stored encoding. ENCODE_ITEM is the item
%   encoder of scistack.internal.wire_encode, used for nested values. Called only by
%   wire_encode.
%
%     string      'W': size, UTF-8 byte counts (all ones: missing), the bytes
%     datetime    'T': ticks per second, zone, int64 ticks from 1970-01-01 (UTC
%                 when zoned; NaT the int64 minimum)
%     duration    'L': milliseconds
%     categorical 'K': ordered, category names ('W'), double codes (NaN undefined)
%     table       'Q': rows, variables, row dimension name, row names ('n' or 'W'),
%                 then each variable's name and values
%   A timetable raises scistack:value:unsupported with the conversion to make; the
%   engine refuses what has no stored form (a 'UTCLeapSeconds' zone, a table variable
%   with several columns, ...).
%
%   MATLAB-only: listed in tools/check_portability.py.
%
%   Example (MATLAB):
%     item = scistack.internal.encode_matlab_only(string({'a', 'b'}), @(x) uint8([]));
%
%   See also scistack.internal.wire_encode, scistack.internal.decode_matlab_only.

switch class(v)
    case 'string'
        b = text_block(v);
    case 'categorical'
        b = [75, uint8(isordinal(v)), text_block(categories(v)), encode_item(double(v))];
    case 'datetime'
        b = [84, typecast(uint64(1e9), 'uint8'), text_bytes(v.TimeZone), ...
             encode_item(datetime_ticks(v))];
    case 'duration'
        b = [76, encode_item(milliseconds(v))];
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

function b = text_block(v)
% 'W': the size, then each element's UTF-8 byte count (column-major), then the bytes.
if iscell(v)
    texts = v(:);
    absent = false(numel(v), 1);
else
    flat = v(:);
    absent = ismissing(flat);
    texts = repmat({''}, numel(flat), 1);
    for k = find(~absent(:)).'
        texts{k} = char(flat(k));
    end
end
raw = cellfun(@(s) reshape(unicode2native(s, 'UTF-8'), 1, []), texts, 'UniformOutput', false);
counts = uint64(cellfun('length', raw));
counts(absent) = intmax('uint64');
b = [87, typecast(uint64([ndims(v), size(v)]), 'uint8'), typecast(counts(:).', 'uint8'), ...
     uint8([raw{:}])];
end

function b = encode_table(t, encode_item)
names = t.Properties.VariableNames;
parts = cell(1, 2 * numel(names) + 1);
row_names = t.Properties.RowNames;
if isempty(row_names)
    index = uint8(110);
else
    index = text_block(row_names);
end
parts{1} = [81, typecast(uint64([height(t), numel(names)]), 'uint8'), ...
            text_bytes(t.Properties.DimensionNames{1}), index];
for k = 1:numel(names)
    parts{2 * k} = text_bytes(names{k});
    parts{2 * k + 1} = encode_item(t.(names{k}));
end
b = [parts{:}];
end

function ticks = datetime_ticks(x)
% Nanoseconds since 1970-01-01 (UTC for zoned values); NaT -> the int64 minimum.
if isempty(x.TimeZone)
    epoch = datetime(1970, 1, 1);
elseif strcmp(x.TimeZone, 'UTCLeapSeconds')
    ticks = zeros(size(x), 'int64'); % the engine refuses the zone
    return
else
    x.TimeZone = 'UTC';
    epoch = datetime(1970, 1, 1, 'TimeZone', 'UTC');
end
ticks = int64(convertTo(x, 'epochtime', 'Epoch', epoch, 'TicksPerSecond', 1e9));
ticks(isnat(x)) = intmin('int64');
end

function b = text_bytes(s)
raw = unicode2native(s, 'UTF-8');
b = [typecast(uint64(numel(raw)), 'uint8'), reshape(raw, 1, [])];
end
