classdef Delta < scidb.BaseVariable
    %DELTA  Test variable type of the scidb tests.
end
