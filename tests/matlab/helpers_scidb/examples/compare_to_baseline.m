function delta = compare_to_baseline(baseline, current)
%COMPARE_TO_BASELINE  Example analysis function: the mean change from the baseline.
%   DELTA = compare_to_baseline(BASELINE, CURRENT) is mean(CURRENT) - mean(BASELINE).
%
%   Example:
%     compare_to_baseline([1; 2], [3; 4])   % 2
delta = mean(current) - mean(baseline);
end
