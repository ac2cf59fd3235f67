classdef Fixed
    %FIXED  A table input of scifor.for_each whose metadata is pinned to fixed values.
    %   F = scifor.Fixed(TBL, NAME, VALUE, ...) slices the table TBL (a table, a struct of
    %   columns, a scifor.Table or a scifor.Select) with NAME = VALUE whatever the current
    %   combination says; keys that are not pinned follow the combination as usual. Names
    %   are char or string; MATLAB users may write scifor.Fixed(tbl, session="pre").
    %
    %   Each pinned name must be a column of the table. The rules are those of Python's
    %   scifor.Fixed and are checked by the engine when scifor.for_each runs.
    %
    %   Example:
    %     % compare every session with the subject's baseline
    %     res = scifor.for_each(@compare, ...
    %             struct('baseline', scifor.Fixed(raw, 'session', 'baseline'), ...
    %                    'current', raw), ...
    %             'subject', [1 2], 'session', {'post_1', 'post_2'});
    %
    %   See also scifor.for_each, scifor.Select, scifor.Merge.

    properties (SetAccess = private)
        Data   % the table, struct of columns, scifor.Table or scifor.Select
        Pins   % struct: pinned column name -> value
    end

    methods

        function obj = Fixed(data, varargin)
            if nargin < 3 || mod(numel(varargin), 2) ~= 0
                error('scistack:scifor:badArguments', ...
                      ['usage: scifor.Fixed(tbl, name, value, ...), e.g. ', ...
                       'scifor.Fixed(tbl, ''session'', ''baseline'')']);
            end
            pins = struct();
            for k = 1:2:numel(varargin)
                name = varargin{k};
                if isstring(name) && isscalar(name)
                    name = char(name);
                end
                if ~ischar(name) || ~isvarname(name)
                    error('scistack:scifor:badArguments', ...
                          'scifor.Fixed: pinned names are column names (char or string)');
                end
                pins.(name) = varargin{k + 1};
            end
            obj.Data = data;
            obj.Pins = pins;
        end

    end
end
