classdef WindowVar < scidb.BaseVariable
    %WINDOWVAR  A variable type storing TimeWindow objects through to_db/from_db (tests).
    %   WindowVar().save(TimeWindow(0, 1), 'subject', 1) stores a struct; load returns
    %   the TimeWindow.
    %
    %   Example:
    %     WindowVar().save(TimeWindow(0, 1), 'subject', 1, 'session', 'pre');
    %
    %   See also TimeWindow, scidb.BaseVariable.

    methods (Static)

        function stored = to_db(data)
            stored = struct('start', data.start, 'stop', data.stop);
        end

        function data = from_db(stored)
            data = TimeWindow(stored.start, stored.stop);
        end

    end
end
