classdef Side < scidb.BaseVariable
    %SIDE  Test variable type of the scidb tests.
end
