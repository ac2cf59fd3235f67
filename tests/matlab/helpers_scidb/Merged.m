classdef Merged < scidb.BaseVariable
    %MERGED  Test variable type of the scidb tests.
end
