classdef Doubled < scidb.BaseVariable
    %DOUBLED  Test variable type of the scidb tests.
end
