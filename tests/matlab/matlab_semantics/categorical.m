classdef categorical
    %CATEGORICAL  Test shim: MATLAB's categorical, as far as SciStack's codec uses it.
    %   C = categorical(A, VALUESET, CATNAMES, 'Ordinal', TF): element k is category j
    %   where A(k) == VALUESET(j), undefined where A(k) is in no VALUESET; CATNAMES must
    %   be unique, as MATLAB requires. categories, double (NaN undefined), isundefined,
    %   isordinal, size, numel, isscalar, reshape, () and (:).
    %
    %   Example:
    %     c = categorical([0; 1; -1], 0:1, {'0.1', '0.2'}, 'Ordinal', false);
    %
    %   See also string, datetime.

    properties (Access = private)
        Codes = []
        Names = {}
        Ordered = false
    end

    methods

        function c = categorical(a, valueset, names, varargin)
            if numel(unique(names)) ~= numel(names)
                error('shim:categorical:duplicate', 'category names must be unique');
            end
            [found, position] = ismember(a, valueset);
            c.Codes = position;
            c.Codes(~found) = NaN;
            c.Names = reshape(names, [], 1);
            c.Ordered = numel(varargin) == 2 && strcmp(varargin{1}, 'Ordinal') && varargin{2};
        end

        function names = categories(c)
            names = c.Names;
        end

        function d = double(c)
            d = c.Codes;
        end

        function tf = isundefined(c)
            tf = isnan(c.Codes);
        end

        function tf = isordinal(c)
            tf = c.Ordered;
        end

        function varargout = size(c, varargin)
            [varargout{1:max(nargout, 1)}] = size(c.Codes, varargin{:});
        end

        function n = numel(c, varargin)
            n = numel(c.Codes);
        end

        function tf = isscalar(c)
            tf = isscalar(c.Codes);
        end

        function c = reshape(c, varargin)
            c.Codes = reshape(c.Codes, varargin{:});
        end

        function out = subsref(c, idx)
            if ~strcmp(idx(1).type, '()') || numel(idx) > 1
                error('shim:categorical:index', 'only () indexing is emulated');
            end
            out = c;
            out.Codes = c.Codes(idx(1).subs{:});
        end

    end
end
