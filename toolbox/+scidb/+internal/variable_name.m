function name = variable_name(variable, context)
%VARIABLE_NAME  The database name of a variable type (not for direct use).
%   NAME = scidb.internal.variable_name(VARIABLE, CONTEXT) accepts an instance of a
%   scidb.BaseVariable subclass (RawEMG()), its class name as char or string ('RawEMG'),
%   or its meta.class (?RawEMG), and returns the name as char. CONTEXT names the calling
%   function in error messages.
%   NAMES = scidb.internal.variable_name(VARIABLES, CONTEXT), for a cell of them or a
%   string array of names, is a 1-by-N cell of the names.
%
%   Example:
%     scidb.internal.variable_name(RawEMG(), 'for_each')   % 'RawEMG'
%
%   See also scidb.BaseVariable.

if iscell(variable) || (isstring(variable) && numel(variable) ~= 1)
    name = cellfun(@(v) scidb.internal.variable_name(v, context), ...
                   reshape(cellstr_if_string(variable), 1, []), 'UniformOutput', false);
elseif isa(variable, 'scidb.BaseVariable')
    name = class(variable);
elseif ischar(variable) && size(variable, 1) == 1
    name = variable;
elseif isstring(variable) && numel(variable) == 1
    name = char(variable);
elseif isa(variable, 'meta.class')
    name = variable.Name;
else
    error('scistack:arguments:badVariable', ...
          ['%s: expected a variable type, given as an instance (RawEMG()) or its class ', ...
           'name (''RawEMG''), not a %s'], context, class(variable));
end
end

function values = cellstr_if_string(values)
if isstring(values)
    values = cellstr(values);
end
end
