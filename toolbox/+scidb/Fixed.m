classdef Fixed
    %FIXED  A for_each input loaded with some metadata pinned, whatever the combination.
    %   F = scidb.Fixed(VAR, 'session', 'baseline') is an input that loads VAR (a variable
    %   instance such as RawEMG(), a class name, or a scidb.Col selection) at each
    %   combination's metadata, except that session is always 'baseline'. Give one or more
    %   name/value pairs; each value is a single value.
    %
    %   Example:
    %     scidb.for_each(@compare_to_baseline, ...
    %                    struct('baseline', scidb.Fixed(RawEMG(), 'session', 'baseline'), ...
    %                           'current', RawEMG()), ...
    %                    {Delta()}, 'subject', [1 2 3], 'session', {'post_1', 'post_2'});
    %
    %   See also scidb.for_each, scidb.Merge, scidb.Col.

    properties (SetAccess = private)
        variable = ''
        columns = ''
        fixed = struct()
    end

    methods

        function f = Fixed(variable, varargin)
            % F = scidb.Fixed(VAR, 'key', value, ...): see the class help.
            if nargin == 0
                return
            end
            if isa(variable, 'scidb.Col')
                f.variable = variable.variable;
                f.columns = variable.columns;
            else
                f.variable = scidb.internal.variable_name(variable, 'Fixed');
            end
            pinned = scidb.internal.pairs_call('metadata_pairs', struct('context', 'Fixed'), ...
                                               varargin);  % the engine checks the pairs
            if isempty(fieldnames(pinned))
                error('scistack:arguments:missing', ...
                      ['Fixed needs at least one pinned key, for example ', ...
                       'scidb.Fixed(RawEMG(), ''session'', ''baseline'')']);
            end
            f.fixed = pinned;
        end

        function s = spec(f)
            % S = F.spec(): the engine's input specification.
            s = struct('kind', 'variable', 'variable', f.variable, 'fixed', f.fixed);
            s.columns = f.columns;
        end

    end
end
