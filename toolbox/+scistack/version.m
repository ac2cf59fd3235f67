function v = version()
%VERSION  The SciStack version, as reported by its Python engine.
%   V = scistack.version() returns the version of the SciStack engine the toolbox is
%   connected to, as char (for example '0.1.0'). The toolbox and the engine are
%   released together, so this is the SciStack version. It fails with the identifier
%   scistack:setup:noPython when scistack.setup has not been run.
%
%   Example:
%     fprintf('SciStack %s\n', scistack.version());
%
%   See also scistack.setup.

v = scistack.internal.engine_call('ping');
end
