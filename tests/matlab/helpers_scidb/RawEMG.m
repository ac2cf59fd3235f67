classdef RawEMG < scidb.BaseVariable
    %RAWEMG  Test variable type of the scidb tests.
end
