classdef Col
    %COL  A column reference, the start of a where filter for scifor.for_each.
    %   C = scifor.Col(NAME) names a column (char or string) of the table inputs.
    %   Comparing it with a value gives a scifor.Filter:
    %     C == v   C ~= v   C < v   C <= v   C > v   C >= v
    %     isin(C, VALUES)   rows whose value is one of VALUES (cell or numeric vector)
    %     isna(C)           rows whose value is missing (NaN, missing text)
    %     notna(C)          rows whose value is present
    %   Combine filters with & | and ~, one comparison per pair of parentheses.
    %
    %   The filter is applied by the engine with Python scifor's rules: it is split at
    %   its top-level &, and each part filters every table input that has all the columns
    %   it reads; rows where a compared value is missing fail the comparison.
    %
    %   Example:
    %     good = (scifor.Col('quality') == 'good') & ~isin(scifor.Col('trial'), [3 4]);
    %     res = scifor.for_each(@mean_peak, struct('trials', trials), ...
    %                           'subject', [1 2], 'where', good);
    %
    %   See also scifor.Filter, scifor.for_each.

    properties (SetAccess = private)
        Name = ''   % the column name (char)
    end

    methods

        function obj = Col(name)
            if nargin == 1 && isstring(name) && isscalar(name)
                name = char(name);
            end
            if nargin ~= 1 || ~ischar(name) || isempty(name) || size(name, 1) ~= 1
                error('scistack:scifor:filter', 'scifor.Col takes a column name (text)');
            end
            obj.Name = name;
        end

        function f = eq(a, b)
            f = scifor.Col.compare(a, b, '==', '==');
        end

        function f = ne(a, b)
            f = scifor.Col.compare(a, b, '!=', '!=');
        end

        function f = lt(a, b)
            f = scifor.Col.compare(a, b, '<', '>');
        end

        function f = le(a, b)
            f = scifor.Col.compare(a, b, '<=', '>=');
        end

        function f = gt(a, b)
            f = scifor.Col.compare(a, b, '>', '<');
        end

        function f = ge(a, b)
            f = scifor.Col.compare(a, b, '>=', '<=');
        end

        function f = isin(c, values)
            %ISIN  Rows whose value is one of VALUES: isin(scifor.Col('x'), {1, 2}).
            if nargin ~= 2
                error('scistack:scifor:filter', ...
                      'usage: isin(scifor.Col(''name''), values), values a cell or vector');
            end
            spec = struct('op', 'isin', 'column', c.Name);
            spec.values = values;
            f = scifor.Filter(spec);
        end

        function f = isna(c)
            %ISNA  Rows whose value is missing: isna(scifor.Col('x')).
            f = scifor.Filter(struct('op', 'isna', 'column', c.Name));
        end

        function f = notna(c)
            %NOTNA  Rows whose value is present: notna(scifor.Col('x')).
            f = scifor.Filter(struct('op', 'notna', 'column', c.Name));
        end

        function f = and(a, b) %#ok<STOUT,INUSD>
            error('scistack:scifor:filter', ...
                  ['a column alone is not a filter: compare it first, e.g. ', ...
                   '(scifor.Col(''x'') > 3) & (scifor.Col(''y'') == 1)']);
        end

        function f = or(a, b) %#ok<STOUT,INUSD>
            error('scistack:scifor:filter', ...
                  ['a column alone is not a filter: compare it first, e.g. ', ...
                   '(scifor.Col(''x'') > 3) | (scifor.Col(''y'') == 1)']);
        end

        function f = not(a) %#ok<STOUT,INUSD>
            error('scistack:scifor:filter', ...
                  'a column alone is not a filter: write ~isin(scifor.Col(''x''), values)');
        end

    end

    methods (Static, Access = private)

        function f = compare(a, b, symbol, mirrored)
            % COL op VALUE, or VALUE op COL read as COL mirrored-op VALUE.
            if isa(a, 'scifor.Col') && isa(b, 'scifor.Col')
                error('scistack:scifor:filter', ...
                      'a filter compares a column with a value, not with another column');
            end
            if isa(a, 'scifor.Col')
                column = a.Name;
                value = b;
            else
                column = b.Name;
                value = a;
                symbol = mirrored;
            end
            if isa(value, 'scifor.Filter')
                error('scistack:scifor:filter', ...
                      'a filter compares a column with a value, not with another filter');
            end
            spec = struct('op', symbol, 'column', column);
            spec.value = value;
            f = scifor.Filter(spec);
        end

    end
end
