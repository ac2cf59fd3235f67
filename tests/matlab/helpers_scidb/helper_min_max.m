function [low, high] = helper_min_max(x)
%HELPER_MIN_MAX  Test function for for_each with two outputs: the minimum and maximum.
%   [LOW, HIGH] = helper_min_max(X).
%
%   Example:
%     [a, b] = helper_min_max([3 1 2]);   % 1, 3
low = min(x(:));
high = max(x(:));
end
