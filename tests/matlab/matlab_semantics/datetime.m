classdef datetime
    %DATETIME  Test shim: MATLAB's datetime, as far as SciStack's codec uses it.
    %   T = datetime(TICKS, 'ConvertFrom', 'epochtime', 'Epoch', '1970-01-01',
    %   'TicksPerSecond', N) holds the integer TICKS exactly, as MATLAB does; with
    %   'TimeZone', Z they count from 1970-01-01 in Z (the codec passes 'UTC' and then
    %   sets t.TimeZone, which keeps the instants). T = datetime(Y, M, D) and
    %   datetime(Y, M, D, 'TimeZone', Z) for the epoch. convertTo(T, 'epochtime',
    %   'Epoch', E, 'TicksPerSecond', N) returns int64 ticks (exact for the rates whose
    %   ratio is whole); isnat, t(k) = NaT, (), size, numel, isscalar, reshape, (:).
    %   The ticks of NaT are the int64 minimum.
    %
    %   Example:
    %     t = datetime(int64(1), 'ConvertFrom', 'epochtime', 'Epoch', '1970-01-01', ...
    %                  'TicksPerSecond', 1e9);
    %
    %   See also NaT, string.

    properties
        TimeZone = ''
    end

    properties (Access = private)
        Ticks = int64([])
        PerSecond = 1
    end

    methods

        function t = datetime(x, varargin)
            if nargin >= 3 && isnumeric(varargin{1})
                % datetime(Y, M, D, ...): only the POSIX epoch is emulated
                if ~isequal([x, varargin{1:2}], [1970, 1, 1])
                    error('shim:datetime:input', 'only datetime(1970, 1, 1) is emulated');
                end
                t.Ticks = int64(0);
                options = varargin(3:end);
            else
                t.Ticks = int64(x);
                options = varargin;
            end
            for k = 1:2:numel(options)
                switch options{k}
                    case 'ConvertFrom'
                        assert(strcmp(options{k + 1}, 'epochtime'));
                    case 'Epoch'
                        assert(strcmp(options{k + 1}, '1970-01-01'));
                    case 'TicksPerSecond'
                        t.PerSecond = options{k + 1};
                    case 'TimeZone'
                        t.TimeZone = options{k + 1};
                    otherwise
                        error('shim:datetime:input', 'option %s is not emulated', options{k});
                end
            end
        end

        function ticks = convertTo(t, kind, varargin)
            assert(strcmp(kind, 'epochtime'));
            options = struct(varargin{:});
            assert(isa(options.Epoch, 'datetime') && options.Epoch.Ticks == 0 && ...
                   strcmp(options.Epoch.TimeZone, t.TimeZone));
            factor = options.TicksPerSecond / t.PerSecond;
            assert(factor == fix(factor), 'shim:datetime:rate');
            ticks = t.Ticks * int64(factor);
        end

        function tf = isnat(t)
            tf = t.Ticks == intmin('int64');
        end

        function varargout = size(t, varargin)
            [varargout{1:max(nargout, 1)}] = size(t.Ticks, varargin{:});
        end

        function n = numel(t, varargin)
            n = numel(t.Ticks);
        end

        function tf = isscalar(t)
            tf = isscalar(t.Ticks);
        end

        function t = reshape(t, varargin)
            t.Ticks = reshape(t.Ticks, varargin{:});
        end

        function tf = isequal(a, b)
            tf = isa(b, 'datetime') && strcmp(a.TimeZone, b.TimeZone) && ...
                isequal(size(a), size(b)) && ...
                isequal(convertTo(a, 'epochtime', 'Epoch', a.epoch(), 'TicksPerSecond', 1e9), ...
                        convertTo(b, 'epochtime', 'Epoch', b.epoch(), 'TicksPerSecond', 1e9));
        end

        function e = epoch(t)
            e = datetime(1970, 1, 1, 'TimeZone', t.TimeZone);
        end

        function out = subsref(t, idx)
            switch idx(1).type
                case '()'
                    out = t;
                    out.Ticks = t.Ticks(idx(1).subs{:});
                case '.'
                    out = t.(idx(1).subs);
                otherwise
                    error('shim:datetime:index', '{} indexing is not emulated');
            end
            if numel(idx) > 1
                out = subsref(out, idx(2:end));
            end
        end

        function t = subsasgn(t, idx, value)
            if strcmp(idx(1).type, '.') && strcmp(idx(1).subs, 'TimeZone')
                if isempty(t.TimeZone) ~= isempty(value)
                    error('shim:datetime:zone', 'only zoned -> zoned changes are emulated');
                end
                t.TimeZone = value;
            elseif strcmp(idx(1).type, '()') && isa(value, 'datetime') && isnat(value)
                t.Ticks(idx(1).subs{:}) = intmin('int64');
            else
                error('shim:datetime:index', 'only t.TimeZone = z and t(k) = NaT are emulated');
            end
        end

    end
end
