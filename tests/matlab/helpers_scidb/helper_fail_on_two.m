function y = helper_fail_on_two(x)
%HELPER_FAIL_ON_TWO  Test function for for_each: fails when X is 2, else returns X + 1.
%   Y = helper_fail_on_two(X) raises helper:two for X == 2.
%
%   Example:
%     helper_fail_on_two(1)   % 2
if isequal(x, 2)
    error('helper:two', 'the value 2 is not accepted');
end
y = x + 1;
end
