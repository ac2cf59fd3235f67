classdef Select
    %SELECT  Pass only some columns of a table input of scifor.for_each.
    %   S = scifor.Select(TBL, COLUMN) passes the column COLUMN (char or string) of the
    %   table TBL (a table, a struct of columns, a scifor.Table or a scifor.Fixed):
    %   its value for a combination with one row, else a column vector (a cell for text).
    %   S = scifor.Select(TBL, {'a', 'b'}) passes those columns as a table (a struct of
    %   columns in GNU Octave). Slicing and where filters still see every column.
    %
    %   The rules are those of Python's scifor.Select and are checked by the engine when
    %   scifor.for_each runs.
    %
    %   Example:
    %     peaks = scifor.for_each(@max, struct('x', scifor.Select(trials, 'peak')), ...
    %                             'subject', [1 2], 'session', {'pre', 'post'});
    %
    %   See also scifor.for_each, scifor.Fixed, scifor.Merge.

    properties (SetAccess = private)
        Data      % the table, struct of columns, scifor.Table or scifor.Fixed
        Columns   % the column name(s): char, cellstr or string array
    end

    methods

        function obj = Select(data, columns)
            if nargin ~= 2
                error('scistack:scifor:badArguments', ...
                      ['usage: scifor.Select(tbl, ''column'') or ', ...
                       'scifor.Select(tbl, {''a'', ''b''})']);
            end
            if ~(ischar(columns) || iscell(columns) || isstring(columns))
                error('scistack:scifor:badArguments', ...
                      'scifor.Select takes a column name or a cell array of column names');
            end
            obj.Data = data;
            obj.Columns = columns;
        end

    end
end
