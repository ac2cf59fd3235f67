function tf = is_variable_class(name)
%IS_VARIABLE_CLASS  True when NAME is the name of a scidb.BaseVariable subclass (internal).
%   TF = scidb.internal.is_variable_class(NAME) is true when the char NAME names a class
%   on the path that derives from scidb.BaseVariable. for_each uses it to tell a class
%   name given as an input from a char constant.
%
%   Example:
%     scidb.internal.is_variable_class('RawEMG')   % true when RawEMG.m derives from it
%
%   See also scidb.BaseVariable, scidb.for_each.

tf = false;
if ~ischar(name) || size(name, 1) ~= 1 || isempty(regexp(name, '^[A-Za-z][\w.]*$', 'once'))
    return
end
if exist(name, 'class') ~= 8 && ~(any(name == '.') && ~isempty(meta.class.fromName(name)))
    return
end
try
    tf = isa(feval(name), 'scidb.BaseVariable');
catch
    tf = false;
end
end
