classdef Pair2 < scidb.BaseVariable
    %PAIR2  Test variable type of the scidb tests.
end
