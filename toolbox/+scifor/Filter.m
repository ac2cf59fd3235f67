classdef Filter
    %FILTER  A row condition for the where option of scifor.for_each.
    %   Filters are built from scifor.Col: F = scifor.Col('snr') > 3. Combine them with
    %   F & G (both), F | G (either) and ~F (not). for_each passes the filter to the
    %   engine, which applies it with Python scifor's rules (split at the top-level &,
    %   each part filtering the table inputs that have all its columns).
    %
    %   F = scifor.Filter(SPEC) wraps a filter description (a struct with the field op)
    %   and is what scifor.Col and the operators build; users do not call it.
    %
    %   Example:
    %     f = (scifor.Col('quality') == 'good') & ~(scifor.Col('trial') > 3);
    %     res = scifor.for_each(@mean_peak, struct('trials', trials), ...
    %                           'subject', [1 2], 'where', f);
    %
    %   See also scifor.Col, scifor.for_each.

    properties (SetAccess = private)
        Spec = struct()   % the filter as a struct tree (op, column, value, left, ...)
    end

    methods

        function obj = Filter(spec)
            if nargin ~= 1 || ~isstruct(spec) || ~isscalar(spec) || ~isfield(spec, 'op')
                error('scistack:scifor:filter', ...
                      'build filters with scifor.Col, e.g. scifor.Col(''snr'') > 3');
            end
            obj.Spec = spec;
        end

        function f = and(a, b)
            f = scifor.Filter(struct('op', '&', 'left', scifor.Filter.spec_of(a, '&'), ...
                                     'right', scifor.Filter.spec_of(b, '&')));
        end

        function f = or(a, b)
            f = scifor.Filter(struct('op', '|', 'left', scifor.Filter.spec_of(a, '|'), ...
                                     'right', scifor.Filter.spec_of(b, '|')));
        end

        function f = not(a)
            f = scifor.Filter(struct('op', '~', 'inner', a.Spec));
        end

    end

    methods (Static, Access = private)

        function spec = spec_of(value, symbol)
            if ~isa(value, 'scifor.Filter')
                error('scistack:scifor:filter', ...
                      ['''%s'' combines two filters built with scifor.Col, got a %s; ', ...
                       'put each comparison in parentheses, e.g. ', ...
                       '(scifor.Col(''x'') > 3) %s (scifor.Col(''y'') == 1)'], ...
                      symbol, class(value), symbol);
            end
            spec = value.Spec;
        end

    end
end
