function s = struct_list(items)
%STRUCT_LIST  A cell of structs with the same fields as an N-by-1 struct array (internal).
%   S = scidb.internal.struct_list(ITEMS) turns the N-by-1 cell of scalar structs that
%   a list of dicts from the engine decodes to into an N-by-1 struct array. The engine
%   gives every dict of such a list the same keys in the same order (one provenance
%   form), as scilineage.Thunk does for lineages, so the structs concatenate as they
%   are. An empty list gives a 0-by-1 struct array without fields.
%
%   Example:
%     s = scidb.internal.struct_list({struct('a', 1); struct('a', 2)});   % 2x1 struct
%
%   See also scidb.internal.list_versions.

if isempty(items)
    s = repmat(struct(), 0, 1);
else
    s = reshape([items{:}], [], 1);
end
end
