classdef Pair1 < scidb.BaseVariable
    %PAIR1  Test variable type of the scidb tests.
end
