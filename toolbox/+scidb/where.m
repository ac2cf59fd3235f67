function f = where(variable, op, value)
%WHERE  A for_each filter comparing a variable's value with a given value.
%   F = scidb.where(VAR, OP, VALUE) keeps the combinations where the value of VAR (a
%   variable instance such as Side(), its class name, or a column selection
%   scidb.Col(VAR, 'name')) at that combination satisfies VAR OP VALUE. OP is one of
%   '==', '~=' (or '!='), '<', '<=', '>', '>=' and 'isin' (VALUE is then a vector or a
%   cell array of the allowed values). For a table value with a column selection, a
%   combination passes when any row does. Combine filters with &, | and ~. The engine
%   reads OP and VALUE (an unknown OP is scistack:arguments:badFilter).
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
spec = struct('variable', name);
[spec.column, spec.cmp, spec.value] = deal(column, op, value);  % the engine checks OP
f = scidb.Filter(scistack.internal.engine_call('where_filter', spec));
end
