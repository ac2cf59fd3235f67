classdef LineageRaw < scidb.BaseVariable
    %LINEAGERAW  Raw signal variable type of the scilineage tests.
end
