function column = tidy_column(values, present)
%TIDY_COLUMN  A table column from a cell of values (not for direct use).
%   COLUMN = scidb.internal.tidy_column(VALUES, PRESENT) turns the N-by-1 cell VALUES
%   into a column for load_all and for_each results. Where the logical PRESENT is true
%   the row has a value. When every present value is a real scalar of one numeric class
%   (or every one is a logical scalar), the column is an N-by-1 array of that class, with
%   NaN (double and single) in the other rows; otherwise it is the N-by-1 cell itself,
%   with [] in the other rows.
%
%   Example:
%     scidb.internal.tidy_column({1; 2; []}, [true; true; false])   % [1; 2; NaN]
%
%   See also scidb.BaseVariable, scidb.for_each.

values = reshape(values, [], 1);
present = reshape(logical(present), [], 1);
column = values;
kept = values(present);
if isempty(kept)
    return
end
first = kept{1};
if ~(isnumeric(first) || islogical(first)) || ~isscalar(first) || ~isreal(first)
    return
end
kind = class(first);
same = cellfun(@(v) isscalar(v) && isreal(v) && strcmp(class(v), kind), kept);
if ~all(same)
    return
end
if all(present)
    column = reshape([kept{:}], [], 1);
elseif any(strcmp(kind, {'double', 'single'}))
    column = nan(numel(values), 1, kind);
    column(present) = [kept{:}];
end
end
