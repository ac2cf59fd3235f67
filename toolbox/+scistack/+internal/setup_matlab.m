function info = setup_matlab(python)
%SETUP_MATLAB  Point MATLAB's Python interface at the Python of the SciStack engine.
%   INFO = scistack.internal.setup_matlab(PYTHON) selects PYTHON (an executable path,
%   or a version such as '3.11') with pyenv when Python is not loaded yet, checks that
%   it imports scistack_engine, and returns a struct with fields runtime ('MATLAB') and
%   python (the executable in use). Called by scistack.setup in MATLAB.
%
%   MATLAB-only (pyenv, py.): listed in tools/check_portability.py. If an in-process
%   library clashes with MATLAB's own, run pyenv('ExecutionMode', 'OutOfProcess')
%   before scistack.setup.
%
%   Example (MATLAB):
%     info = scistack.internal.setup_matlab('/opt/venvs/scistack/bin/python');
%
%   See also scistack.setup, pyenv.

environment = pyenv;
if strcmp(char(environment.Status), 'Loaded')
    current = char(environment.Executable);
    if ~isempty(python) && ~strcmp(python, 'python3') && ~strcmp(current, python) && ...
            ~strcmp(char(environment.Version), python)
        error('scistack:setup:restartNeeded', ...
              'MATLAB already runs Python from ''%s''; restart MATLAB to use ''%s''', ...
              current, python);
    end
elseif ~strcmp(python, 'python3')
    environment = pyenv('Version', python);
end
try
    py.importlib.import_module('scistack_engine.gateway');
catch err
    error('scistack:setup:engineMissing', ...
          ['the Python ''%s'' cannot import scistack_engine (%s): install scistack ', ...
           'into it (pip install -e <repository>) or pass another Python to scistack.setup'], ...
          char(environment.Executable), err.message);
end
environment = pyenv;
info = struct('runtime', 'MATLAB', 'python', char(environment.Executable));
end
