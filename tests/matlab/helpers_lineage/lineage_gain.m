function y = lineage_gain(x, varargin)
%LINEAGE_GAIN  Test function taking varargin (scilineage tests).
%   Y = lineage_gain(X, G1, G2, ...) multiplies X by every G. Counts its calls in the
%   global LINEAGE_TEST_CALLS.
%
%   Example:
%     lineage_gain(2, 3, 4)   % 24
global LINEAGE_TEST_CALLS
LINEAGE_TEST_CALLS = lineage_count(LINEAGE_TEST_CALLS);
y = x;
for k = 1:numel(varargin)
    y = y * varargin{k};
end
end
