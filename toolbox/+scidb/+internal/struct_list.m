function s = struct_list(items)
%STRUCT_LIST  A cell of structs with the same fields as an N-by-1 struct array (internal).
%   S = scidb.internal.struct_list(ITEMS) turns the N-by-1 cell of scalar structs that
%   a list of dicts from the engine decodes to into an N-by-1 struct array. Structs
%   whose fields differ are completed with [] for the fields they lack. An empty list
%   gives a 0-by-1 struct array without fields.
%
%   Example:
%     s = scidb.internal.struct_list({struct('a', 1); struct('a', 2)});   % 2x1 struct
%
%   See also scidb.internal.list_versions.

if isstruct(items)
    s = items(:);
    return
end
if isempty(items)
    s = repmat(struct(), 0, 1);
    return
end
names = fieldnames(items{1});
for k = 2:numel(items)
    extra = fieldnames(items{k});
    names = [names; extra(~ismember(extra, names))]; %#ok<AGROW>
end
template = cell2struct(cell(numel(names), 1), names, 1);
s = repmat(template, numel(items), 1);
for k = 1:numel(items)
    item = items{k};
    fields = fieldnames(item);
    for f = 1:numel(fields)
        s(k).(fields{f}) = item.(fields{f});
    end
end
end
