function v = decode_matlab_only(kind, parts)
%DECODE_MATLAB_ONLY  Build the MATLAB classes Octave lacks from exact decoded parts.
%   V = scistack.internal.decode_matlab_only(KIND, PARTS) is called by
%   scistack.internal.wire_decode for an 'X' item, which the engine sends only to MATLAB
%   (GNU Octave gets portable forms, docs/data-model.md section 2.6). The engine works
%   out every value, size and name; this function only calls the constructors. KIND
%   and the fields of the struct PARTS:
%     'string'       texts (a cell of char of the string array's size), absent (logical,
%                    the same size: missing) -> string
%     'table'        columns (a cell of N-by-1 columns in order), names (the variable
%                    names), descriptions (the original name of each renamed variable,
%                    '' otherwise), dims (the two dimension names), row_names (a cell of
%                    char, [] for none) and rows -> table
%     'categorical'  codes (0-based, -1 missing, at the array's size), names (the exact
%                    text of each category) and ordered -> categorical
%     'datetime'     ticks (int64 from 1970-01-01, the int64 minimum for NaT),
%                    per_second, counted_in (the zone they count in: 'UTC', or ''
%                    unzoned) and tz (the zone shown) -> datetime
%     'duration'     seconds (double) -> duration
%
%   MATLAB-only: listed in tools/check_portability.py.
%
%   Example (MATLAB):
%     s = scistack.internal.decode_matlab_only('string', ...
%         struct('texts', {{'a'; ''}}, 'absent', [false; true]));   % ["a"; <missing>]
%
%   See also scistack.internal.wire_decode, scistack.internal.encode_matlab_only.

switch kind
    case 'string'
        v = string(parts.texts);
        v(parts.absent) = missing;
    case 'table'
        v = to_table(parts);
    case 'categorical'
        count = numel(parts.names);
        v = categorical(parts.codes, 0:count - 1, parts.names, 'Ordinal', parts.ordered);
    case 'datetime'
        v = to_datetime(parts);
    case 'duration'
        v = seconds(parts.seconds);
    otherwise
        error('scistack:value:unsupported', 'no MATLAB form for ''%s'' values', kind);
end
end

function v = to_datetime(parts)
% Exact: the integer ticks go to datetime unrounded, counted in the zone counted_in.
v = datetime(parts.ticks, 'ConvertFrom', 'epochtime', 'Epoch', '1970-01-01', ...
             'TicksPerSecond', parts.per_second, 'TimeZone', parts.counted_in);
if ~isempty(parts.tz)
    v.TimeZone = parts.tz;
end
v(parts.ticks == intmin('int64')) = NaT;
end

function t = to_table(payload)
columns = payload.columns;
if isempty(columns)
    t = table('Size', [payload.rows, 0], 'VariableTypes', {});
else
    t = table(columns{:}, 'VariableNames', payload.names, 'DimensionNames', payload.dims);
end
if ~isempty(payload.row_names)
    t.Properties.RowNames = payload.row_names;
end
if ~all(cellfun('isempty', payload.descriptions))
    t.Properties.VariableDescriptions = payload.descriptions;
end
end
