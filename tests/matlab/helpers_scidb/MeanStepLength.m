classdef MeanStepLength < scidb.BaseVariable
    %MEANSTEPLENGTH  Test variable type of the scidb tests.
end
