classdef Filter
    %FILTER  A where filter for for_each: which combinations to run.
    %   Filters are made by scidb.where (compare a variable's value) and scidb.Sql (a SQL
    %   condition over the metadata), and combined with the operators & (and), | (or)
    %   and ~ (not). Pass the result to for_each as 'where', F. scidb.Filter(SPEC) wraps a
    %   filter specification in the engine planner's form (scidb.where builds them).
    %
    %   A combination passes scidb.where(VAR, OP, VALUE) when the value of VAR at that
    %   combination compares true (for a table value and a column selection: when any row
    %   does). The engine evaluates every filter, so the same filter selects the same
    %   combinations from MATLAB and from Python.
    %
    %   Example:
    %     f = scidb.where(Side(), '==', 'left') & ~scidb.Sql('subject > 2');
    %     scidb.for_each(@process, struct('x', RawEMG()), {Out()}, ...
    %                    'subject', [1 2 3 4], 'where', f);
    %
    %   See also scidb.where, scidb.Sql, scidb.for_each.

    properties (SetAccess = protected)
        spec = struct()
    end

    methods

        function f = Filter(spec)
            % F = scidb.Filter(SPEC) wraps a filter specification (a struct in the form
            % of the engine's planner); use scidb.where and scidb.Sql instead.
            if nargin > 0
                f.spec = spec;
            end
        end

        function f = and(a, b)
            % F = A & B: combinations that pass both filters.
            parts = {scidb.Filter.spec_of(a); scidb.Filter.spec_of(b)};
            f = scidb.Filter(struct('op', 'and', 'args', {parts}));
        end

        function f = or(a, b)
            % F = A | B: combinations that pass either filter.
            parts = {scidb.Filter.spec_of(a); scidb.Filter.spec_of(b)};
            f = scidb.Filter(struct('op', 'or', 'args', {parts}));
        end

        function f = not(a)
            % F = ~A: combinations that do not pass the filter.
            f = scidb.Filter(struct('op', 'not', 'arg', scidb.Filter.spec_of(a)));
        end

    end

    methods (Static)

        function s = spec_of(f)
            % S = scidb.Filter.spec_of(F): the specification of the filter F (an error
            % naming what to use when F is not a filter).
            if ~isa(f, 'scidb.Filter')
                error('scistack:arguments:badFilter', ...
                      ['filters combine only with filters: use scidb.where(VAR, ''=='', ', ...
                       'value) or scidb.Sql(''subject > 2''), not a %s'], class(f));
            end
            s = f.spec;
        end

    end
end
