classdef missing
    %MISSING  Test shim for MATLAB's missing value (GNU Octave has none).
    %   M = missing() is the marker string(M) and assignments s(k) = missing turn
    %   into a missing string element, as in MATLAB.
    %
    %   Example:
    %     s = string(missing);   % ismissing(s) is true
    %
    %   See also string.
end
