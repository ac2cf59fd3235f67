classdef timetable
    %TIMETABLE  Test shim: a value of MATLAB's class timetable (nothing else emulated).
    %   T = timetable() is an object whose class is 'timetable', for checking that the
    %   codec refuses timetables with the conversion to make.
    %
    %   Example:
    %     class(timetable())
    %
    %   See also table.
end
