function out = setup_matlab(action, python)
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
