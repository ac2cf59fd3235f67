classdef TimeWindow
    %TIMEWINDOW  A value the wire encoding does not hold (an object), for serialisation tests.
    %   W = TimeWindow(START, STOP) is a time window.
    %
    %   Example:
    %     w = TimeWindow(0.5, 2);
    %
    %   See also WindowVar.

    properties
        start = 0
        stop = 0
    end

    methods

        function obj = TimeWindow(start, stop)
            if nargin > 0
                obj.start = start;
                obj.stop = stop;
            end
        end

    end
end
