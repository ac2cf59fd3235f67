classdef PathTemplate
    %PATHTEMPLATE  A for_each input: a file path built from each combination's metadata.
    %   P = scidb.PathTemplate('raw/{subject}/{session}.csv') passes the function the path
    %   with {key} replaced by the combination's value of key (Python str.format rules).
    %   A combination whose file does not exist is skipped, with the path as the reason.
    %   P = scidb.PathTemplate(TEMPLATE, 'root_folder', ROOT) puts the folder ROOT in
    %   front of the template, as it is (braces in ROOT are not placeholders).
    %   The file's content (a folder's: every file under it) is part of the combination's
    %   cache key, with its path: under scihist.for_each an unchanged file is 'cached' and
    %   an edited one runs again.
    %
    %   Example:
    %     scidb.for_each(@import_emg, struct('file', scidb.PathTemplate('raw/{subject}.csv')), ...
    %                    {RawEMG()}, 'subject', [1 2 3]);
    %     p = scidb.PathTemplate('{subject}/trial_{trial}.mat', 'root_folder', '/data');
    %
    %   See also scidb.for_each.

    properties (SetAccess = private)
        template = ''
        root_folder = ''
    end

    methods

        function p = PathTemplate(template, varargin)
            % P = scidb.PathTemplate(TEMPLATE, 'root_folder', ROOT): see the class help.
            if nargin == 0
                return
            end
            p.template = scidb.PathTemplate.text_of(template, 'the path');
            if isempty(varargin)
                return
            end
            if numel(varargin) ~= 2 || ~strcmp(char(varargin{1}), 'root_folder')
                error('scistack:arguments:badOption', ...
                      'PathTemplate takes one option, ''root_folder'', ROOT');
            end
            p.root_folder = scidb.PathTemplate.text_of(varargin{2}, 'root_folder');
        end

        function s = spec(p)
            % S = P.spec(): the engine's input specification (the engine joins the
            % root folder in front of the template).
            s = struct('kind', 'path', 'template', p.template, 'root_folder', p.root_folder);
        end

    end

    methods (Static, Access = private)

        function text = text_of(value, what)
            % VALUE as a char row, or an error naming WHAT.
            if isstring(value) && numel(value) == 1
                value = char(value);
            end
            if ~ischar(value) || size(value, 1) ~= 1
                error('scistack:arguments:badTemplate', ...
                      'PathTemplate takes %s as text, for example ''raw/{subject}.csv''', what);
            end
            text = value;
        end

    end
end
