classdef Sql < scidb.Filter
    %SQL  A where filter written in SQL over the combinations' metadata.
    %   F = scidb.Sql('subject > 2 AND session <> ''pre''') keeps the combinations whose
    %   metadata satisfy the SQL condition (DuckDB syntax; the columns are the iterated
    %   keys). Combine it with other filters with &, | and ~. for_each also accepts the
    %   condition text itself: 'where', 'subject > 2'.
    %
    %   Example:
    %     scidb.for_each(@process, struct('x', RawEMG()), {Out()}, ...
    %                    'subject', [1 2 3 4], 'where', scidb.Sql('subject > 2'));
    %
    %   See also scidb.where, scidb.Filter, scidb.for_each.

    methods

        function f = Sql(condition)
            % F = scidb.Sql(CONDITION): see the class help.
            if nargin == 0
                condition = 'TRUE';
            end
            if isstring(condition) && numel(condition) == 1
                condition = char(condition);
            end
            if ~ischar(condition) || size(condition, 1) ~= 1
                error('scistack:arguments:badFilter', ...
                      'Sql takes a SQL condition as text, for example ''subject > 2''');
            end
            f.spec = struct('op', 'sql', 'sql', condition);
        end

    end
end
