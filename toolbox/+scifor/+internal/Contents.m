% SCIFOR.INTERNAL  Helpers of scifor.for_each (not for direct use).
%
%   input_spec - Describe one input of scifor.for_each for the engine's run_start.
%
% Example
%   spec = scifor.internal.input_spec(struct('subject', [1; 2], 'x', [3; 4]));
%
% See also scifor.for_each.
