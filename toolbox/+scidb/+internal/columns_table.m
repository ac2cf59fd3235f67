function result = columns_table(columns, names, rows)
%COLUMNS_TABLE  A result table from a struct of columns (not for direct use).
%   RESULT = scidb.internal.columns_table(COLUMNS, NAMES, ROWS) returns, in MATLAB, a
%   table whose variables are the fields NAMES of the struct COLUMNS (each an N-by-1
%   array or cell, N = ROWS); in GNU Octave, which has no tables, the struct of columns
%   itself, with its fields in the order NAMES.
%
%   Example:
%     t = scidb.internal.columns_table(struct('subject', [1; 2], 'data', {{1; 'a'}}), ...
%                                      {'subject', 'data'}, 2);
%
%   See also scidb.BaseVariable, scidb.for_each.

columns = orderfields(columns, names);
if exist('OCTAVE_VERSION', 'builtin') > 0
    result = columns;
    return
end
payload = struct('columns', columns, 'names', {names}, 'rows', rows);
result = scistack.internal.decode_matlab_only('table', payload);
end
