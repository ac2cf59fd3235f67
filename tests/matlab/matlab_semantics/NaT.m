function t = NaT()
%NAT  Test shim for MATLAB's NaT: a 1x1 unzoned datetime that is not a time.
%   T = NaT() as in MATLAB; assignments v(k) = NaT make elements not-a-time.
%
%   Example:
%     isnat(NaT())
%
%   See also datetime.

t = datetime(intmin('int64'), 'ConvertFrom', 'epochtime', 'Epoch', '1970-01-01', ...
             'TicksPerSecond', 1);
end
