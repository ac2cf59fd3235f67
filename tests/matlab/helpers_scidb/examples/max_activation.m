function peak = max_activation(signal)
%MAX_ACTIVATION  Example analysis function: the largest absolute value of a signal.
%   PEAK = max_activation(SIGNAL) is max(abs(SIGNAL)).
%
%   Example:
%     max_activation([1; -3; 2])   % 3
peak = max(abs(signal));
end
