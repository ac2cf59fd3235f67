function y = twice(x)
%TWICE  Package function of the fingerprint tests.
%   Example:
%     lineage_pkg.twice(2)
y = 2 * x;
end
