function folder = engine_source()
%ENGINE_SOURCE  The folder that holds the Python source of the SciStack engine.
%   FOLDER = scistack.internal.engine_source() returns the folder holding the Python
%   packages scistack_engine, scifor, scidb, scilineage and scihist: the python folder
%   inside the toolbox folder when SciStack was installed from its .mltbx file (the
%   package bundles the engine source there), else the python folder beside the toolbox
%   folder (a clone of the SciStack repository). scistack.setup links this folder into
%   the Python environment it prepares; scistack.version reads the version from it.
%
%   Fails with scistack:setup:engineSourceMissing when neither folder holds the engine.
%
%   Example:
%     dir(scistack.internal.engine_source())
%
%   See also scistack.setup, scistack.version.

% This file is toolbox/+scistack/+internal/engine_source.m.
toolbox = fileparts(fileparts(fileparts(mfilename('fullpath'))));
candidates = {fullfile(toolbox, 'python'), fullfile(fileparts(toolbox), 'python')};
for k = 1:numel(candidates)
    if exist(fullfile(candidates{k}, 'scistack_engine', '__init__.py'), 'file') == 2
        folder = candidates{k};
        return
    end
end
error('scistack:setup:engineSourceMissing', ...
      ['the SciStack engine source is missing: neither %s nor %s holds ', ...
       'scistack_engine. Reinstall the SciStack toolbox (or, in a clone, restore ', ...
       'the python folder)'], candidates{1}, candidates{2});
end
