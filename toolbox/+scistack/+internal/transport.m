function reply = transport(request)
%TRANSPORT  Carry one wire-encoded request to the Python engine and return its reply.
%   REPLY = scistack.internal.transport(REQUEST) passes REQUEST (a uint8 row, see
%   scistack.internal.wire_encode) to scistack_engine.gateway.handle and returns the
%   reply bytes as a uint8 row. Only bytes cross: both runtimes see the same values.
%
%   This is the only runtime-dependent file of the toolbox:
%     MATLAB       py.scistack_engine.gateway.handle(py.bytes(REQUEST)) through
%                  scistack.internal.setup_matlab, with the Python scistack.setup
%                  chose; before any setup it raises scistack:setup:noPython without
%                  starting Python.
%     GNU Octave   the MEX bridge scistack.internal.bridge, which embeds Python in the
%                  Octave process. The first call starts Python from the executable
%                  named by the environment variable SCISTACK_PYTHON, else by the
%                  preference saved by scistack.setup.
%
%   Toolbox code calls scistack.internal.engine_call, never this function.
%
%   Example:
%     reply = scistack.internal.transport(scistack.internal.wire_encode( ...
%         struct('op', 'ping', 'args', struct())));
%
%   See also scistack.internal.engine_call, scistack.internal.bridge, scistack.setup.

persistent runtime
if isempty(runtime)
    if exist('OCTAVE_VERSION', 'builtin') > 0
        start_octave_bridge();
        runtime = 1;
    else
        runtime = scistack.internal.setup_matlab('connect');
    end
end
if runtime == 1
    reply = scistack.internal.bridge(request);
else
    reply = scistack.internal.setup_matlab('call', request, runtime);
end
end

function start_octave_bridge()
python = getenv('SCISTACK_PYTHON');
if isempty(python)
    python = getpref('scistack', 'python', '');
end
if isempty(python)
    error('scistack:setup:noPython', ...
          ['no Python is configured for SciStack: run scistack.setup(python) once ', ...
           '(python: the executable of the environment where scistack is installed), ', ...
           'or set the environment variable SCISTACK_PYTHON']);
end
scistack.internal.bridge('init', python);
end
