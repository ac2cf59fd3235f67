classdef StepLength < scidb.BaseVariable
    %STEPLENGTH  Variable type of the gait-study example: the step lengths of one trial.
    %   One record per subject, session and trial: the distance (metres) between
    %   successive heel strikes, computed from RawKinematicData by gait_study's
    %   extract_step_length step and saved with its lineage.
    %
    %   Example:
    %     s = StepLength().load('subject', 1, 'session', 'pre', 'trial', 1);
    %     s.data
    %
    %   See also gait_study, RawKinematicData, MeanStepLength.
end
