function step_lengths = extract_step_length(kinematic_data)
%EXTRACT_STEP_LENGTH  Example analysis function: differences of successive positions.
%   STEP_LENGTHS = extract_step_length(KINEMATIC_DATA) is diff(KINEMATIC_DATA).
%
%   Example:
%     extract_step_length([0; 0.7; 1.5])   % [0.7; 0.8]
step_lengths = diff(kinematic_data);
end
