function v = decode_matlab_only(kind, payload)
%DECODE_MATLAB_ONLY  Build the MATLAB classes Octave lacks from exact decoded parts.
%   V = scistack.internal.decode_matlab_only(KIND, PAYLOAD) is called by
%   scistack.internal.wire_decode where scistack.internal.has_value_classes is true
%   (MATLAB). wire_decode works out every value and name; this function only calls the
%   constructors. KIND and PAYLOAD:
%     'string'       char (a scalar), [] (a missing scalar) or a cell of char with []
%                    for missing -> string
%     'table'        struct with columns (a struct of N-by-1 columns in order), names
%                    (the variable names), descriptions (the original name of each
%                    renamed variable, '' otherwise), dims (the two dimension names),
%                    row_names (cellstr, {} for none) and rows -> table
%     'categorical'  struct with codes (0-based, -1 missing), names (the exact text of
%                    each category) and ordered -> categorical
%     'datetime'     struct with ticks (int64, the int64 minimum for NaT), per_second
%                    and tz ('' unzoned; else ticks count from 1970-01-01 UTC) -> datetime
%     'duration'     seconds (double) -> duration
%   In GNU Octave wire_decode returns portable forms instead (docs/data-model.md).
%
%   MATLAB-only: listed in tools/check_portability.py.
%
%   Example (MATLAB):
%     s = scistack.internal.decode_matlab_only('string', {'a'; []});   % ["a"; <missing>]
%
%   See also scistack.internal.wire_decode, scistack.internal.encode_matlab_only.

switch kind
    case 'string'
        v = to_string(payload);
    case 'table'
        v = to_table(payload);
    case 'categorical'
        count = numel(payload.names);
        v = categorical(payload.codes, 0:count - 1, payload.names, ...
                        'Ordinal', payload.ordered);
    case 'datetime'
        v = to_datetime(payload);
    case 'duration'
        v = seconds(payload);
    otherwise
        error('scistack:value:unsupported', 'no MATLAB form for ''%s'' values', kind);
end
end

function s = to_string(payload)
if ischar(payload)
    s = string(payload);
elseif ~iscell(payload)
    s = string(missing);
else
    absent = cellfun(@(x) ~ischar(x), payload);
    payload(absent) = {''};
    s = string(payload);
    s(absent) = missing;
end
end

function v = to_datetime(payload)
% Exact: the integer ticks go to datetime unrounded.
if isempty(payload.tz)
    v = datetime(payload.ticks, 'ConvertFrom', 'epochtime', 'Epoch', '1970-01-01', ...
                 'TicksPerSecond', payload.per_second);
else
    v = datetime(payload.ticks, 'ConvertFrom', 'epochtime', 'Epoch', '1970-01-01', ...
                 'TicksPerSecond', payload.per_second, 'TimeZone', 'UTC');
    v.TimeZone = payload.tz;
end
v(payload.ticks == intmin('int64')) = NaT;
end

function t = to_table(payload)
columns = struct2cell(payload.columns);
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
