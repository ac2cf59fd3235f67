classdef PathTemplate
    %PATHTEMPLATE  A for_each input: a file path built from each combination's metadata.
    %   P = scidb.PathTemplate('raw/{subject}/{session}.csv') passes the function the path
    %   with {key} replaced by the combination's value of key (Python str.format rules).
    %   A combination whose file does not exist is skipped, with the path as the reason.
    %
    %   Example:
    %     scidb.for_each(@import_emg, struct('file', scidb.PathTemplate('raw/{subject}.csv')), ...
    %                    {RawEMG()}, 'subject', [1 2 3]);
    %
    %   See also scidb.for_each.

    properties (SetAccess = private)
        template = ''
    end

    methods

        function p = PathTemplate(template)
            % P = scidb.PathTemplate(TEMPLATE): see the class help.
            if nargin == 0
                return
            end
            if isstring(template) && numel(template) == 1
                template = char(template);
            end
            if ~ischar(template) || size(template, 1) ~= 1
                error('scistack:arguments:badTemplate', ...
                      'PathTemplate takes the path as text, for example ''raw/{subject}.csv''');
            end
            p.template = template;
        end

        function s = spec(p)
            % S = P.spec(): the engine's input specification.
            s = struct('kind', 'path', 'template', p.template);
        end

    end
end
