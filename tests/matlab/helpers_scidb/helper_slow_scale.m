function y = helper_slow_scale(x, factor)
%HELPER_SLOW_SCALE  Test function for parallel for_each: X times FACTOR, after 20 ms.
%   Y = helper_slow_scale(X, FACTOR) waits 20 ms (long enough for parallel workers to
%   pay off) and returns X .* FACTOR; a FACTOR of 0 is an error.
%
%   Example:
%     helper_slow_scale([1 2], 3)   % [3 6]
if factor == 0
    error('helper:zeroFactor', 'a factor of 0 is not allowed');
end
pause(0.02);
y = x .* factor;
end
