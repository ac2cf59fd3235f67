function [low, high, spread] = lineage_min_max(x)
%LINEAGE_MIN_MAX  Test function with several outputs (scilineage tests).
%   [LOW, HIGH, SPREAD] = lineage_min_max(X): the smallest and largest element of X and
%   a struct array describing them. Counts its calls in the global LINEAGE_TEST_CALLS.
%
%   Example:
%     [lo, hi] = lineage_min_max([3 1 2])
global LINEAGE_TEST_CALLS
LINEAGE_TEST_CALLS = lineage_count(LINEAGE_TEST_CALLS);
low = min(x(:));
high = max(x(:));
spread = struct('name', {'low', 'high'}, 'value', {low, high});
end
