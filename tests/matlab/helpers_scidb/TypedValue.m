classdef TypedValue < scidb.BaseVariable
    %TYPEDVALUE  Test variable type of the scidb tests.
end
