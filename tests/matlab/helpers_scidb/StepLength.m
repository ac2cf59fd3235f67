classdef StepLength < scidb.BaseVariable
    %STEPLENGTH  Test variable type of the scidb tests.
end
