function total = helper_kinematic_sum(raw_kinematic_data, step_length)
%HELPER_KINEMATIC_SUM  Test function for for_each over a variable group: the inputs' sum.
%   TOTAL = helper_kinematic_sum(RAW_KINEMATIC_DATA, STEP_LENGTH) returns their sum; a
%   group passes its members in name order (RawKinematicData, then StepLength).
%
%   Example:
%     helper_kinematic_sum(10, 0.5)   % 10.5
total = raw_kinematic_data + step_length;
end
