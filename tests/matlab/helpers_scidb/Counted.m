classdef Counted < scidb.BaseVariable
    %COUNTED  Test variable type of the scidb tests.
end
