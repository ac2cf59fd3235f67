classdef Merge
    %MERGE  Several table inputs of scifor.for_each joined column-wise into one table.
    %   M = scifor.Merge(A, B, ...) slices each part (a table, a struct of columns, a
    %   scifor.Table, scifor.Fixed or scifor.Select) for the combination on its own, then
    %   joins the slices: consecutive parts on the schema keys they both still have (such
    %   as trial), and side by side when one part has a single row. A data column found in
    %   two parts is an error: pick one with scifor.Select.
    %
    %   The rules are those of Python's scifor.Merge and are applied by the engine when
    %   scifor.for_each runs.
    %
    %   Example:
    %     res = scifor.for_each(@fit, ...
    %             struct('x', scifor.Merge(scifor.Select(kin, 'speed'), emg, body)), ...
    %             'subject', [1 2], 'session', {'pre'});
    %
    %   See also scifor.for_each, scifor.Fixed, scifor.Select.

    properties (SetAccess = private)
        Parts = {}   % cell array of the parts, in order
    end

    methods

        function obj = Merge(varargin)
            obj.Parts = varargin;
        end

    end
end
