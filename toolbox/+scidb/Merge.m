classdef Merge
    %MERGE  Several variables joined column-wise into one table per combination.
    %   M = scidb.Merge(A, B, ...) is a for_each input that loads each part at the
    %   combination's metadata and joins them into one table (a struct of columns in GNU
    %   Octave): table values contribute their columns, other values one column named
    %   after their variable (or selected column). Parts are variable instances, class
    %   names, scidb.Col selections or scidb.Fixed inputs; give at least two.
    %
    %   Example:
    %     scidb.for_each(@fit_model, struct('frame', scidb.Merge(Force(), Speed().col('v'))), ...
    %                    {ModelFit()}, 'subject', [1 2 3]);
    %
    %   See also scidb.for_each, scidb.Fixed, scidb.Col.

    properties (SetAccess = private)
        parts = {}
    end

    methods

        function m = Merge(varargin)
            % M = scidb.Merge(A, B, ...): see the class help.
            if nargin == 0
                return
            end
            if nargin < 2
                error('scistack:arguments:missing', ...
                      'Merge needs at least two inputs, for example scidb.Merge(A(), B())');
            end
            m.parts = cell(nargin, 1);
            for k = 1:nargin
                part = varargin{k};
                if isa(part, 'scidb.Fixed') || isa(part, 'scidb.Col')
                    m.parts{k} = part.spec();
                else
                    name = scidb.internal.variable_name(part, 'Merge');
                    m.parts{k} = struct('kind', 'variable', 'variable', name, ...
                                        'fixed', struct(), 'columns', '');
                end
            end
        end

        function s = spec(m)
            % S = M.spec(): the engine's input specification.
            s = struct('kind', 'merge');
            s.parts = m.parts;
        end

    end
end
