classdef MeanStepLength < scidb.BaseVariable
    %MEANSTEPLENGTH  Variable type of the gait-study example: mean step length of a session.
    %   One record per subject and session: the mean (metres) of the step lengths of all
    %   the session's trials, computed from StepLength by gait_study's compute_mean
    %   step and saved with its lineage. Its SQL view is SELECT * FROM MeanStepLength.
    %
    %   Example:
    %     m = MeanStepLength().load_all();   % a table (a struct of columns in Octave)
    %     mean(m.data)
    %
    %   See also gait_study, StepLength, scilineage.provenance.
end
