function total = helper_kinematic_sum(RawKinematicData, StepLength)
%HELPER_KINEMATIC_SUM  Test function for for_each over a variable group: the inputs' sum.
%   TOTAL = helper_kinematic_sum(RAWKINEMATICDATA, STEPLENGTH) returns their sum; the
%   parameters are named after the variables, as a group passes them.
%
%   Example:
%     helper_kinematic_sum(10, 0.5)   % 10.5
total = RawKinematicData + StepLength;
end
