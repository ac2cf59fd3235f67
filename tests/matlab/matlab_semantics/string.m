classdef string
    %STRING  Test shim: MATLAB's string array, as far as SciStack's codec uses it.
    %   S = string(C) from a char row (1x1), a cell array of char rows (same size) or
    %   missing; s(k) = missing / s(k) = 'text'; isstring, ismissing, char (of a scalar), cellstr,
    %   size, numel, isscalar, reshape, transpose, indexing with (), isequal. Each element
    %   is its text or missing, as in MATLAB.
    %
    %   Example:
    %     s = string({'a', 'b'}); s(2) = missing; ismissing(s)   % [false true]
    %
    %   See also missing.

    properties (Access = private)
        Texts = {}
        Absent = false(0, 0)
    end

    methods

        function s = string(c)
            if isa(c, 'missing')
                s.Texts = {''};
                s.Absent = true;
            elseif ischar(c)
                s.Texts = {c};
                s.Absent = false;
            elseif iscellstr(c)
                s.Texts = c;
                s.Absent = false(size(c));
            else
                error('shim:string:input', 'the string shim takes char, cellstr or missing');
            end
        end

        function tf = ismissing(s)
            tf = s.Absent;
        end

        function c = char(s)
            if ~isscalar(s.Absent)
                error('shim:string:char', 'char of a string array is not emulated');
            end
            c = s.Texts{1};
        end

        function tf = isstring(~)
            % True: GNU Octave's own isstring is false for every value.
            tf = true;
        end

        function c = cellstr(s)
            % A cell of char of the same size; a missing element is an error here (a
            % conservative stand-in for MATLAB, so a test cannot pass on it by chance).
            if any(s.Absent(:))
                error('shim:string:cellstr', 'cellstr of a missing string is not emulated');
            end
            c = s.Texts;
        end

        function varargout = size(s, varargin)
            [varargout{1:max(nargout, 1)}] = size(s.Absent, varargin{:});
        end

        function n = numel(s, varargin)
            n = numel(s.Absent);
        end

        function tf = isscalar(s)
            tf = isscalar(s.Absent);
        end

        function tf = ismatrix(s)
            tf = ismatrix(s.Absent);
        end

        function n = ndims(s)
            n = ndims(s.Absent);
        end

        function s = reshape(s, varargin)
            s.Texts = reshape(s.Texts, varargin{:});
            s.Absent = reshape(s.Absent, varargin{:});
        end

        function s = transpose(s)
            s.Texts = s.Texts.';
            s.Absent = s.Absent.';
        end

        function s = permute(s, order)
            s.Texts = permute(s.Texts, order);
            s.Absent = permute(s.Absent, order);
        end

        function tf = isequal(a, b)
            tf = isa(b, 'string') && isequal(a.Absent, b.Absent) && ...
                isequal(a.Texts(~a.Absent), b.Texts(~b.Absent));
        end

        function out = subsref(s, idx)
            if ~strcmp(idx(1).type, '()')
                error('shim:string:index', 'only () indexing is emulated');
            end
            out = s;
            out.Texts = s.Texts(idx(1).subs{:});
            out.Absent = s.Absent(idx(1).subs{:});
            if numel(idx) > 1
                out = subsref(out, idx(2:end));
            end
        end

        function s = subsasgn(s, idx, value)
            if ~strcmp(idx(1).type, '()') || numel(idx) > 1
                error('shim:string:index', 'only s(k) = value is emulated');
            end
            if isa(value, 'missing')
                s.Absent(idx(1).subs{:}) = true;
            else
                s.Texts(idx(1).subs{:}) = {char(value)};
                s.Absent(idx(1).subs{:}) = false;
            end
        end

    end
end
