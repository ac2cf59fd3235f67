classdef Speed < scidb.BaseVariable
    %SPEED  Test variable type of the scidb tests.
end
