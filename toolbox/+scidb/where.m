function f = where(variable, op, value)
%WHERE  A for_each filter comparing a variable's value with a given value.
%   F = scidb.where(VAR, OP, VALUE) keeps the combinations where the value of VAR (a
%   variable instance such as Side(), its class name, or a column selection
%   scidb.Col(VAR, 'name')) at that combination satisfies VAR OP VALUE. OP is one of
%   '==', '~=' (or '!='), '<', '<=', '>', '>=' and 'isin' (VALUE is then a vector or a
%   cell array of the allowed values). For a table value with a column selection, a
%   combination passes when any row does. Combine filters with &, | and ~.
%
%   Example:
%     scidb.for_each(@process, struct('x', RawEMG()), {Out()}, 'subject', [1 2 3], ...
%                    'where', scidb.where(Side(), '==', 'left'));
%     f = scidb.where(Speed().col('mean'), '>', 1.2) | scidb.where(Group(), 'isin', {'a', 'b'});
%
%   See also scidb.Sql, scidb.Filter, scidb.Col, scidb.for_each.

if nargin ~= 3
    error('scistack:arguments:missing', ...
          'usage: scidb.where(VAR, OP, VALUE), for example scidb.where(Side(), ''=='', ''left'')');
end
if isa(variable, 'scidb.Col')
    name = variable.variable;
    column = variable.columns;
else
    name = scidb.internal.variable_name(variable, 'where');
    column = '';
end
if isstring(op)
    op = char(op);
end
known = {'==', '~=', '!=', '<', '<=', '>', '>=', 'isin'};
if ~ischar(op) || ~any(strcmp(op, known))
    error('scistack:arguments:badFilter', ...
          'where: the comparison must be one of ==, ~=, <, <=, >, >=, isin');
end
if strcmp(op, '~=')
    op = '!=';
end
if isstring(value)
    if numel(value) == 1
        value = char(value);
    else
        value = cellstr(value);
    end
end
if strcmp(op, 'isin')
    if ~iscell(value)
        value = num2cell(value);
    end
    value = reshape(value, [], 1);
end
spec = struct('op', 'cmp', 'variable', name, 'column', column, 'cmp', op);
spec.value = value;
f = scidb.Filter(spec);
end
