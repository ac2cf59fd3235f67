classdef Picked < scidb.BaseVariable
    %PICKED  Test variable type of the scidb tests.
end
