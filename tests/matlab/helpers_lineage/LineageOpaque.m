classdef LineageOpaque
    %LINEAGEOPAQUE  An object without a content hash (scilineage error tests).
    properties
        value = 1
    end
end
