classdef FilteredEMG < scidb.BaseVariable
    %FILTEREDEMG  Test variable type of the scidb tests.
end
