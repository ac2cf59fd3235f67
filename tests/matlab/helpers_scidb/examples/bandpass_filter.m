function filtered = bandpass_filter(signal, low_hz, high_hz)
%BANDPASS_FILTER  Example analysis function of the product description (a stand-in filter).
%   FILTERED = bandpass_filter(SIGNAL, LOW_HZ, HIGH_HZ) removes the mean of SIGNAL and
%   scales it by LOW_HZ / HIGH_HZ (HIGH_HZ defaults to 450): deterministic, cheap, and
%   sensitive to every argument, which is all the examples need.
%
%   Example:
%     bandpass_filter([1; 2; 3], 20, 450)
if nargin < 3
    high_hz = 450;
end
filtered = (signal - mean(signal)) * (low_hz / high_hz);
end
