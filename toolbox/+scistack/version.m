function v = version(what)
%VERSION  The SciStack version.
%   V = scistack.version() returns the version of the SciStack toolbox as char (for
%   example '0.1.0'). The toolbox and its Python engine are released together under one
%   version number, written once in the engine source (scistack_engine.__version__)
%   that the toolbox carries; reading it needs no Python.
%
%   V = scistack.version('engine') asks the Python engine the toolbox is connected to
%   for its version (the engine's 'ping' operation). It fails with the identifier
%   scistack:setup:noPython when scistack.setup has not been run. After a successful
%   scistack.setup both forms return the same text.
%
%   Example:
%     fprintf('SciStack %s\n', scistack.version());
%     isequal(scistack.version(), scistack.version('engine'))
%
%   See also scistack.setup.

if nargin > 0
    if ~strcmpi(char(what), 'engine')
        error('scistack:version:badArgument', ...
              'scistack.version takes no argument or ''engine'', not ''%s''', char(what));
    end
    v = scistack.internal.engine_call('ping');
    return
end

persistent cached
if isempty(cached)
    init = fullfile(scistack.internal.engine_source(), 'scistack_engine', '__init__.py');
    found = regexp(fileread(init), '__version__\s*=\s*[''"]([^''"]+)[''"]', 'tokens', ...
                   'once');
    if isempty(found)
        error('scistack:setup:engineSourceMissing', '%s does not define __version__', init);
    end
    cached = found{1};
end
v = cached;
end
