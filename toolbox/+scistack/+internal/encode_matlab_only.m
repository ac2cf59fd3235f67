function b = encode_matlab_only(v, encode_item)
%ENCODE_MATLAB_ONLY  Request items for the MATLAB classes GNU Octave does not have.
%   B = scistack.internal.encode_matlab_only(V, ENCODE_ITEM) returns the item (uint8
%   row, no header) for V of class string, categorical, datetime, duration or table in
%   the MATLAB request profile (docs/data-model.md section 2.7): only what MATLAB knows
%   at no cost, which the engine raises to the stored encoding. ENCODE_ITEM is the item
%   encoder of scistack.internal.wire_encode, used for nested values. Called only by
%   wire_encode.
%
%     string      'W': where the texts are missing (logical), then the texts (a cell)
%     datetime    'T': ticks per second, zone ('s'), int64 ticks from 1970-01-01 (UTC
%                 when zoned; NaT the int64 minimum)
%     duration    'L': milliseconds
%     categorical 'K': ordered, category names ('W'), double codes (NaN undefined)
%     table       'Q': a struct of rows, the row dimension name, the row names (a
%                 cell), the variable names (a cell) and their values (a cell)
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
        b = text_block(v, encode_item);
    case 'categorical'
        b = [75, uint8(isordinal(v)), text_block(categories(v), encode_item), ...
             encode_item(double(v))];
    case 'datetime'
        b = [84, typecast(uint64(1e9), 'uint8'), encode_item(v.TimeZone), ...
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

function b = text_block(v, encode_item)
% 'W': where the texts of V (string or cell of char) are missing, then the texts as a cell.
if iscell(v)
    v = string(v);
end
absent = ismissing(v);
v(absent) = '';
b = [87, encode_item(absent), encode_item(cellstr(v))];
end

function b = encode_table(t, encode_item)
names = t.Properties.VariableNames;
parts = struct('rows', height(t), 'dimension', t.Properties.DimensionNames{1}, ...
               'row_names', {t.Properties.RowNames}, 'names', {names}, ...
               'values', {cellfun(@(name) t.(name), names, 'UniformOutput', false)});
b = [81, encode_item(parts)];
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
