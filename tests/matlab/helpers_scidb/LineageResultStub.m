classdef LineageResultStub
    %LINEAGERESULTSTUB  Test stand-in for a lineage result: data, lineage, output_index.
    %   R = LineageResultStub(DATA, LINEAGE, OUTPUT_INDEX) has the properties a saved
    %   lineage result offers (what scilineage's results provide).
    %
    %   Example:
    %     r = LineageResultStub(1, struct('function_name', 'f'), 0);

    properties
        data = []
        lineage = struct()
        output_index = 0
    end

    methods

        function r = LineageResultStub(data, lineage, output_index)
            if nargin > 0
                r.data = data;
                r.lineage = lineage;
                r.output_index = output_index;
            end
        end

    end
end
