classdef table
    %TABLE  Test shim: MATLAB's table, as far as SciStack's codec uses it.
    %   T = table(V1, ..., 'VariableNames', NAMES, 'DimensionNames', DIMS) (DIMS
    %   optional) and table('Size', [N 0],
    %   'VariableTypes', {}); t.Properties.VariableNames, RowNames, DimensionNames and
    %   VariableDescriptions (read and set, checked as MATLAB checks them: names unique,
    %   at most namelengthmax characters, not Properties, RowNames, VariableNames or ':',
    %   no variable named like a dimension; row names unique text, one per row);
    %   t.(name) and t.name read a variable; height, width.
    %
    %   Example:
    %     t = table([1; 2], 'VariableNames', {'x'}); t.Properties.RowNames = {'a'; 'b'};
    %
    %   See also string, datetime, categorical.

    properties (Access = private)
        Data = {}
        Rows = 0
        Props = struct('VariableNames', {{}}, 'RowNames', {{}}, ...
                       'DimensionNames', {{'Row', 'Variables'}}, ...
                       'VariableDescriptions', {{}})
    end

    methods

        function t = table(varargin)
            if nargin >= 2 && ischar(varargin{1}) && strcmp(varargin{1}, 'Size')
                t.Rows = varargin{2}(1);
                return
            end
            cut = find(cellfun(@(a) ischar(a) && strcmp(a, 'VariableNames'), varargin), 1);
            t.Data = varargin(1:cut - 1);
            t.Rows = size(t.Data{1}, 1);
            options = varargin(cut:end);
            dims = find(strcmp(options(1:2:end), 'DimensionNames'));
            if ~isempty(dims)
                t.Props.DimensionNames = options{2 * dims};
            end
            t = t.set_property('VariableNames', options{2});
        end

        function n = height(t)
            n = t.Rows;
        end

        function n = width(t)
            n = numel(t.Data);
        end

        function out = subsref(t, idx)
            if ~strcmp(idx(1).type, '.')
                error('shim:table:index', 'only dot indexing is emulated');
            end
            if strcmp(idx(1).subs, 'Properties')
                out = t.Props;
            else
                out = t.Data{strcmp(t.Props.VariableNames, idx(1).subs)};
            end
            if numel(idx) > 1
                out = subsref(out, idx(2:end));
            end
        end

        function t = subsasgn(t, idx, value)
            if numel(idx) ~= 2 || ~strcmp(idx(1).subs, 'Properties')
                error('shim:table:index', 'only t.Properties.Name = value is emulated');
            end
            t = t.set_property(idx(2).subs, value);
        end

    end

    methods (Access = private)

        function t = set_property(t, name, value)
            value = reshape(value, 1, []);
            switch name
                case 'VariableNames'
                    reserved = {'Properties', 'RowNames', 'VariableNames', ':'};
                    if numel(value) ~= numel(t.Data) || numel(unique(value)) ~= numel(value) || ...
                            any(ismember(value, [reserved, t.Props.DimensionNames])) || ...
                            any(cellfun(@numel, value) > namelengthmax())
                        error('shim:table:names', 'invalid variable names');
                    end
                case 'RowNames'
                    value = value.';
                    if numel(value) ~= t.Rows || numel(unique(value)) ~= numel(value)
                        error('shim:table:rows', 'row names must be unique, one per row');
                    end
                case 'DimensionNames'
                    if numel(value) ~= 2 || any(ismember(value, t.Props.VariableNames))
                        error('shim:table:dims', 'dimension names clash with variables');
                    end
                case 'VariableDescriptions'
                    if numel(value) ~= numel(t.Data)
                        error('shim:table:descriptions', 'one description per variable');
                    end
                otherwise
                    error('shim:table:property', 'property %s is not emulated', name);
            end
            t.Props.(name) = value;
        end

    end
end
