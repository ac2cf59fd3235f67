classdef Table
    %TABLE  Mark a struct of columns as a table input (or output) of scifor.for_each.
    %   T = scifor.Table(S) marks the scalar struct S, whose fields are columns of one
    %   height (numeric or logical vectors, cell vectors of text, or scalars for a
    %   one-row table), as a table. GNU Octave has no table class: a struct of columns is
    %   how SciStack holds a table there, and what for_each returns there.
    %
    %   An input that is a scalar struct of columns with a field named after a schema key
    %   is taken as a table without this mark, and any other struct as a constant. Mark it
    %   to use a struct of columns without key columns as a table, or to get an error
    %   naming the field when the struct is not a valid table. A function may return
    %   scifor.Table(S) to have S treated like a returned table (rows stacked in the
    %   result).
    %
    %   Example:
    %     body = scifor.Table(struct('mass_kg', 72.5));      % one row, no key column
    %     res = scifor.for_each(@normalise, struct('x', raw, 'body', body), ...
    %                           'subject', [1 2]);
    %
    %   See also scifor.for_each, scifor.Fixed, scifor.Select, scifor.Merge.

    properties (SetAccess = private)
        Columns = struct()   % the struct of columns
    end

    methods

        function obj = Table(columns)
            if nargin ~= 1 || ~isstruct(columns) || ~isscalar(columns)
                error('scistack:scifor:badArguments', ...
                      'scifor.Table takes a scalar struct whose fields are columns');
            end
            obj.Columns = columns;
        end

    end
end
