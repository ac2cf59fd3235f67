classdef Col
    %COL  A column selection of a table-valued variable, for for_each inputs and filters.
    %   C = scidb.Col(VAR, 'name') selects one column of the table stored in the variable
    %   VAR (an instance such as Speed() or a class name); as a for_each input the function
    %   receives that column's values. C = scidb.Col(VAR, {'a', 'b'}) selects several
    %   columns and passes a table (a struct of columns in GNU Octave). The same selection
    %   is written VAR().col('name'). Names are char or string; the engine reads them when
    %   the selection is used (other values: scistack:arguments:badColumns).
    %
    %   A column selection also names the values a where filter compares:
    %   scidb.where(scidb.Col(Speed(), 'mean'), '>', 1.2) keeps combinations where any row
    %   of the column is above 1.2.
    %
    %   Example:
    %     scidb.for_each(@mean, struct('x', Speed().col('left')), {MeanLeft()}, ...
    %                    'subject', [1 2 3]);
    %
    %   See also scidb.for_each, scidb.where, scidb.Fixed, scidb.Merge.

    properties (SetAccess = private)
        variable = ''
        columns = ''
    end

    methods

        function c = Col(variable, columns)
            % C = scidb.Col(VAR, COLUMNS): see the class help.
            if nargin == 0
                return
            end
            c.variable = scidb.internal.variable_name(variable, 'Col');
            % kept as char or a cellstr column; the engine checks the names
            if isstring(columns) && numel(columns) == 1
                columns = char(columns);
            elseif isstring(columns)
                columns = cellstr(columns);
            end
            if iscell(columns)
                columns = reshape(columns, [], 1);
            end
            c.columns = columns;
        end

        function s = spec(c)
            % S = C.spec(): the engine's input specification.
            s = struct('kind', 'variable', 'variable', c.variable, 'fixed', struct());
            s.columns = c.columns;
        end

    end
end
