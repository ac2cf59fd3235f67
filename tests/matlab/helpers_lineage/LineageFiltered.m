classdef LineageFiltered < scidb.BaseVariable
    %LINEAGEFILTERED  Filtered signal variable type of the scilineage tests.
end
