function n = lineage_count(n)
%LINEAGE_COUNT  N + 1, where an empty N counts as 0 (call counter of the scilineage tests).
%   Example:
%     n = lineage_count([])   % 1
if isempty(n)
    n = 0;
end
n = n + 1;
end
