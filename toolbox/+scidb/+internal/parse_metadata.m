function [metadata, options] = parse_metadata(args, option_names, context)
%PARSE_METADATA  Split name/value pairs into metadata and options (not for direct use).
%   [METADATA, OPTIONS] = scidb.internal.parse_metadata(ARGS, OPTION_NAMES, CONTEXT)
%   reads the cell ARGS of name/value pairs. Names may be char or string scalars (MATLAB's
%   name=value syntax passes strings). A name that matches one of OPTION_NAMES (a cellstr,
%   matched without regard to case) sets that field of the struct OPTIONS; every other
%   pair is metadata, returned in the struct METADATA in the order given.
%
%   Metadata values are made ready for the engine: a string scalar becomes char; several
%   values (a numeric or logical vector, a cell array, a string array) become a column,
%   meaning "any of these"; a one-element cell becomes its element. CONTEXT names the
%   calling function in error messages.
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
    metadata.(name) = metadata_value(args{k + 1}, name, context);
end
end

function v = metadata_value(v, name, context)
% One metadata value, in the form the engine reads.
if ischar(v) || (isnumeric(v) && numel(v) == 1) || (islogical(v) && numel(v) == 1)
    return
end
if isstring(v)
    if numel(v) == 1
        v = char(v);
    else
        v = cellstr(v(:));
    end
elseif isnumeric(v) || islogical(v)
    v = v(:);
elseif iscell(v)
    v = v(:);
    for k = 1:numel(v)
        if isstring(v{k}) && numel(v{k}) == 1
            v{k} = char(v{k});
        end
        one = v{k};
        if ~(ischar(one) && size(one, 1) <= 1) && ...
                ~((isnumeric(one) || islogical(one)) && numel(one) == 1)
            bad(name, context, one);
        end
    end
    if numel(v) == 1
        v = v{1};
    end
else
    bad(name, context, v);
end
end

function bad(name, context, v)
error('scistack:metadata:invalid', ...
      ['%s: metadata %s must be a number, text or a logical (or several in a vector ', ...
       'or cell array), not a %s'], context, name, class(v));
end
