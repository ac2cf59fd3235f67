function v = decode_matlab_only(kind, payload)
%DECODE_MATLAB_ONLY  Turn decoded portable forms into the MATLAB classes Octave lacks.
%   V = scistack.internal.decode_matlab_only(KIND, PAYLOAD) is called by
%   scistack.internal.wire_decode in MATLAB only. KIND and PAYLOAD:
%     'string'       char, or a cell of char rows with [] for missing -> string
%     'table'        struct with fields columns (a struct of N-by-1 columns), names
%                    (the original column names) and rows -> table
%     'categorical'  struct with fields values (cellstr, '' when missing), categories
%                    and ordered -> categorical
%     'datetime'     struct with fields posix (POSIX seconds, NaN for NaT) and tz
%                    ('' for unzoned) -> datetime
%     'duration'     seconds (double) -> duration
%   In GNU Octave wire_decode returns the portable forms themselves.
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
        names = payload.categories;
        if ~iscellstr(names)
            names = cellfun(@num2str, names, 'UniformOutput', false);
        end
        values = payload.values;
        if ~iscellstr(values)
            values = cellfun(@num2str, values, 'UniformOutput', false);
        end
        v = categorical(values, names, 'Ordinal', payload.ordered);
    case 'datetime'
        if isempty(payload.tz)
            v = datetime(payload.posix, 'ConvertFrom', 'posixtime');
        else
            v = datetime(payload.posix, 'ConvertFrom', 'posixtime', 'TimeZone', payload.tz);
        end
    case 'duration'
        v = seconds(payload);
    otherwise
        error('scistack:value:unsupported', 'no MATLAB form for ''%s'' values', kind);
end
end

function s = to_string(payload)
if ischar(payload)
    s = string(payload);
    return
end
s = strings(size(payload));
for k = 1:numel(payload)
    if ischar(payload{k})
        s(k) = payload{k};
    else
        s(k) = missing;
    end
end
end

function t = to_table(payload)
columns = payload.columns;
if isempty(fieldnames(columns))
    t = table('Size', [payload.rows, 0], 'VariableTypes', {});
    return
end
t = struct2table(columns);
names = payload.names;
if numel(names) == width(t) && numel(unique(names)) == numel(names)
    t.Properties.VariableNames = names;
end
end
