function filtered = lineage_filter(signal, low_hz, high_hz)
%LINEAGE_FILTER  Test function of the scilineage tests: a stand-in band-pass filter.
%   FILTERED = lineage_filter(SIGNAL, LOW_HZ, HIGH_HZ) removes the mean of SIGNAL and
%   scales it by LOW_HZ / HIGH_HZ. Each call adds 1 to the global LINEAGE_TEST_CALLS, so
%   a test can tell a cache hit (no call) from a run.
%
%   Example:
%     lineage_filter([1; 2; 3], 20, 450)
global LINEAGE_TEST_CALLS
LINEAGE_TEST_CALLS = lineage_count(LINEAGE_TEST_CALLS);
filtered = (signal - mean(signal)) * (low_hz / high_hz);
end
