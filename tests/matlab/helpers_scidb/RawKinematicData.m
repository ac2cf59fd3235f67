classdef RawKinematicData < scidb.BaseVariable
    %RAWKINEMATICDATA  Test variable type of the scidb tests.
end
