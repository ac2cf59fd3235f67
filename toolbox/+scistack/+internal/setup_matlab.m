function out = setup_matlab(action, python, mode)
%SETUP_MATLAB  MATLAB's side of scistack.setup: read and set pyenv.
%   STATUS = scistack.internal.setup_matlab('status') describes MATLAB's Python
%   interface without loading Python: a struct with fields loaded (true when Python
%   already runs in this MATLAB session), executable (the Python pyenv uses or would
%   use, '' when it knows none) and mode ('InProcess' or 'OutOfProcess').
%
%   INFO = scistack.internal.setup_matlab('activate', PYTHON) points pyenv at the
%   Python executable PYTHON and checks that it imports scistack_engine.gateway. INFO
%   is a struct with fields runtime ('MATLAB') and python (the executable in use). A
%   Python that already runs out of process is stopped and replaced; one that runs in
%   process cannot be (scistack:setup:restartNeeded). pyenv refusing PYTHON (for
%   example a Python version this MATLAB release does not support) is
%   scistack:setup:pyenvFailed; a failed import is scistack:setup:engineMissing.
%
%   MODE = scistack.internal.setup_matlab('connect') is run by transport before the
%   first engine call of a session: it raises scistack:setup:noPython (without starting
%   Python) unless pyenv names the Python scistack.setup chose (its saved preference or
%   SCISTACK_PYTHON); MODE is 2 (in process) or 3 (out of process).
%   REPLY = scistack.internal.setup_matlab('call', REQUEST, MODE) passes one request to
%   the gateway. A Python failure outside the gateway comes back as
%   scistack:engine:outOfMemory (MemoryError), scistack:engine:hostCrashed (the
%   out-of-process host stopped) or scistack:engine:pythonError (anything else, an
%   import error for one). Out of process, MATLAB passes at most 2 GB per call: a
%   larger request raises scistack:engine:requestTooLarge before anything is sent.
%
%   Called by scistack.setup, which chooses PYTHON (scistack.internal.setup_python).
%   MATLAB-only (pyenv, py.): listed in tools/check_portability.py. If an in-process
%   library clashes with MATLAB's own, run pyenv('ExecutionMode', 'OutOfProcess')
%   before scistack.setup.
%
%   Example (MATLAB):
%     status = scistack.internal.setup_matlab('status');
%     info = scistack.internal.setup_matlab('activate', '/opt/venvs/scistack/bin/python');
%
%   See also scistack.setup, scistack.internal.setup_python, pyenv.

switch action
    case 'status'
        environment = pyenv;
        out = struct('loaded', strcmp(char(environment.Status), 'Loaded'), ...
                     'executable', char(environment.Executable), ...
                     'mode', char(environment.ExecutionMode));
    case 'activate'
        out = activate(char(python));
    case 'connect'
        out = connect();
    case 'call'
        out = call(python, mode);
    otherwise
        error('scistack:setup:badArguments', 'unknown action ''%s''', action);
end
end

function info = activate(python)
environment = pyenv;
if strcmp(char(environment.Status), 'Loaded') && ...
        ~strcmp(char(environment.Executable), python)
    if strcmp(char(environment.ExecutionMode), 'OutOfProcess')
        terminate(environment);
    else
        error('scistack:setup:restartNeeded', ...
              ['MATLAB already runs Python from ''%s'' in process; restart MATLAB and ', ...
               'run scistack.setup before anything else uses Python'], ...
              char(environment.Executable));
    end
end
if ~strcmp(char(environment.Status), 'Loaded') || ...
        ~strcmp(char(environment.Executable), python)
    try
        pyenv('Version', python);
    catch err
        error('scistack:setup:pyenvFailed', ...
              ['MATLAB %s cannot use the Python ''%s'': %s. Each MATLAB release ', ...
               'supports a range of Python versions (see "Versions of Python Compatible ', ...
               'with MATLAB Products by Release"); install a Python 3.10 or later that ', ...
               'this release supports and run scistack.setup(''/path/to/python'')'], ...
              version('-release'), python, err.message);
    end
end
try
    py.importlib.import_module('scistack_engine.gateway');
catch err
    error('scistack:setup:engineMissing', ...
          ['MATLAB''s Python ''%s'' cannot import scistack_engine (%s): run ', ...
           'scistack.setup(''Reinstall'', true)'], python, err.message);
end
environment = pyenv;
info = struct('runtime', 'MATLAB', 'python', char(environment.Executable));
end

function mode = connect()
% Before the first engine call: the Python scistack.setup chose, or noPython (no py.).
chosen = {getpref('scistack', 'python', ''), getenv('SCISTACK_PYTHON')};
chosen = chosen(~cellfun('isempty', chosen));
environment = pyenv;
if ~any(strcmp(char(environment.Executable), chosen))
    error('scistack:setup:noPython', ...
          ['SciStack is not set up in this MATLAB (pyenv names ''%s''): run ', ...
           'scistack.setup() once; it picks a Python this release supports, installs ', ...
           'the engine and sets pyenv'], char(environment.Executable));
end
if strcmp(char(environment.ExecutionMode), 'OutOfProcess')
    mode = 3;
else
    mode = 2;
end
end

function reply = call(request, mode)
% One gateway call; Python failures outside the gateway get scistack: identifiers.
if mode == 3 && numel(request) >= 2^31
    error('scistack:engine:requestTooLarge', ...
          ['a request of %.1f GB is over the 2 GB MATLAB passes to an out-of-process ', ...
           'Python in one call: save the data in parts (several records), or use ', ...
           'pyenv(''ExecutionMode'', ''InProcess'')'], numel(request) / 2^30);
end
try
    reply = uint8(py.scistack_engine.gateway.handle(py.bytes(request)));
catch err
    environment = pyenv;
    if strncmp(err.identifier, 'scistack:', 9)
        rethrow(err);
    elseif contains(err.message, 'MemoryError')
        identifier = 'scistack:engine:outOfMemory';
    elseif mode == 3 && ~strcmp(char(environment.Status), 'Loaded')
        identifier = 'scistack:engine:hostCrashed'; % the out-of-process host is gone
    else
        identifier = 'scistack:engine:pythonError';
    end
    error(identifier, 'the Python engine failed (%s): %s', err.identifier, err.message);
end
end
