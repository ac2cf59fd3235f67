function [metadata, options] = parse_metadata(args, option_names, context)
%PARSE_METADATA  Split name/value pairs into metadata and options (not for direct use).
%   [METADATA, OPTIONS] = scidb.internal.parse_metadata(ARGS, OPTION_NAMES, CONTEXT)
%   reads the cell ARGS of name/value pairs. Names may be char or string scalars (MATLAB's
%   name=value syntax passes strings). A name that matches one of OPTION_NAMES (a cellstr,
%   matched without regard to case) sets that field of the struct OPTIONS; every other
%   pair is metadata, returned in the struct METADATA in the order given.
%
%   Metadata values go to the engine as they are: a vector, a cell array or a string
%   array means "any of these", and the engine checks every value with the rules of
%   Python's scidb. A value the wire cannot carry as metadata (anything but numbers,
%   logicals and text, alone or in a cell array) is the error scistack:metadata:invalid
%   here. CONTEXT names the calling function in error messages.
%
%   Example:
%     [m, o] = scidb.internal.parse_metadata({'subject', 1, 'version', 2}, {'version'}, 'load');
%     % m = struct('subject', 1), o = struct('version', 2)
%
%   See also scidb.BaseVariable.

n = numel(args);
if mod(n, 2) ~= 0
    error('scistack:arguments:unpaired', ...
          ['%s: arguments after the value must come in name/value pairs, for example ', ...
           '''subject'', 1, ''session'', ''pre'''], context);
end
metadata = struct();
options = struct();
for k = 1:2:n
    name = args{k};
    if ~ischar(name)
        if isstring(name) && numel(name) == 1
            name = char(name);
        else
            error('scistack:arguments:badName', ...
                  '%s: argument %d must be a name (char or string), not a %s', ...
                  context, k, class(name));
        end
    end
    hit = strcmpi(name, option_names);
    if any(hit)
        options.(option_names{hit}) = args{k + 1};
        continue
    end
    if ~isvarname(name)
        error('scistack:arguments:badName', ...
              ['%s: ''%s'' cannot be a metadata key: use a letter followed by letters, ', ...
               'digits or underscores'], context, name);
    end
    value = args{k + 1};
    if ~(carried(value) || (iscell(value) && all(cellfun(@carried, value(:)))))
        error('scistack:metadata:invalid', ...
              ['%s: metadata %s must be a number, text or a logical (or several in a ', ...
               'vector or cell array), not a %s'], context, name, class(value));
    end
    metadata.(name) = value;
end
end

function tf = carried(v)
% True for the values the wire carries as metadata for the engine to check.
tf = isnumeric(v) || islogical(v) || ischar(v) || isstring(v);
end
