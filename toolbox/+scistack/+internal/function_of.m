function [fn, name] = function_of(fn, identifier, message)
%FUNCTION_OF  A for_each's function argument as a handle, and its name (internal).
%   [FN, NAME] = scistack.internal.function_of(FN, IDENTIFIER, MESSAGE) returns FN as a
%   function handle (a function name, char or string, becomes its handle) and its name
%   as the run log and the messages show it (func2str, without a leading '@' for a
%   named function). Anything else is the error IDENTIFIER with the text MESSAGE, a
%   format whose %s is FN's class.
%
%   Example:
%     [fn, name] = scistack.internal.function_of('sin', 'my:id', 'not a function: %s');
%
%   See also scidb.for_each, scifor.for_each.

if isstring(fn) && isscalar(fn)
    fn = char(fn);
end
if ischar(fn) && size(fn, 1) == 1
    fn = str2func(fn);
end
if ~isa(fn, 'function_handle')
    error(identifier, message, class(fn));
end
name = func2str(fn);
if numel(name) > 1 && name(1) == '@' && isvarname(name(2:end))
    name = name(2:end);
end
end
