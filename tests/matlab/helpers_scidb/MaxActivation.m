classdef MaxActivation < scidb.BaseVariable
    %MAXACTIVATION  Test variable type of the scidb tests.
end
