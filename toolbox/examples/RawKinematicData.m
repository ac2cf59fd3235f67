classdef RawKinematicData < scidb.BaseVariable
    %RAWKINEMATICDATA  Variable type of the gait-study example: a heel-marker trajectory.
    %   One record per subject, session and trial: the forward position of the heel
    %   marker (metres, an N-by-1 double sampled at 100 Hz). gait_study generates and
    %   saves them; like every variable type, the class body is empty.
    %
    %   Example:
    %     x = RawKinematicData().load('subject', 1, 'session', 'pre', 'trial', 1);
    %     plot(x.data)
    %
    %   See also gait_study, StepLength, MeanStepLength, scidb.BaseVariable.
end
