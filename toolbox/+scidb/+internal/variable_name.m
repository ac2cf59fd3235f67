function name = variable_name(variable, context)
%VARIABLE_NAME  The database name of a variable type (not for direct use).
%   NAME = scidb.internal.variable_name(VARIABLE, CONTEXT) accepts an instance of a
%   scidb.BaseVariable subclass (RawEMG()), its class name as char or string ('RawEMG'),
%   or its meta.class (?RawEMG), and returns the name as char. CONTEXT names the calling
%   function in error messages.
%
%   Example:
%     scidb.internal.variable_name(RawEMG(), 'for_each')   % 'RawEMG'
%
%   See also scidb.BaseVariable.

if isa(variable, 'scidb.BaseVariable')
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
