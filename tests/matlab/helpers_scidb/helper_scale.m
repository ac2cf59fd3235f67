function y = helper_scale(x, factor)
%HELPER_SCALE  Test function for for_each: X times FACTOR.
%   Y = helper_scale(X, FACTOR) returns X .* FACTOR.
%
%   Example:
%     helper_scale([1 2], 3)   % [3 6]
y = x .* factor;
end
