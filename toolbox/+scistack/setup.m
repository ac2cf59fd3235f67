function info = setup(varargin)
%SETUP  Connect SciStack to its Python engine (run once per installation).
%   scistack.setup() finds a Python 3.10 or later that this MATLAB release supports
%   (R2022b-R2023a: 3.10; R2023b-R2024a: 3.10-3.11; R2024b and later: 3.10-3.12;
%   any 3.10 or later in GNU Octave), makes sure that it runs the
%   SciStack engine, connects the toolbox to it and checks the connection. The
%   toolbox carries the engine's Python source, so no clone is needed. setup looks at,
%   in order: the environment variable SCISTACK_PYTHON, the Python saved by an earlier
%   setup, (in MATLAB) the Python pyenv is set to, then python3.12, python3.11,
%   python3.10, python3 and python on the system path, Homebrew's and python.org's
%   folders on macOS, and the py launcher (py -3.12, ...) on Windows. The first one
%   that already runs the engine is used as it is; otherwise setup creates a virtual
%   environment with the first usable Python it found, installs the engine's dependencies into it
%   from PyPI (numpy, pandas, DuckDB, pyarrow, tqdm: this needs the internet once, and
%   takes a few minutes), links the engine source into it, and uses it. The Python
%   chosen is saved for later sessions.
%
%   scistack.setup(PYTHON) starts from the Python executable PYTHON (for example
%   '/usr/bin/python3.11' or a virtual environment's bin/python) instead.
%
%   Options (name/value pairs, after PYTHON or alone):
%     'Environment', FOLDER   where to create the virtual environment (default:
%                             ~/.scistack/venv, kept across MATLAB upgrades)
%     'Reinstall', true       recreate the environment and reinstall everything
%     'PipOptions', C         extra pip install arguments, a cell array of char, for
%                             example {'--proxy', 'http://proxy:8080'} or
%                             {'--index-url', 'https://mirror.example/simple'}
%     'Rebuild', true         (GNU Octave) recompile the MEX bridge even when it is
%                             up to date
%
%   INFO = scistack.setup(...) returns a struct: runtime ('MATLAB' or 'Octave'),
%   python (the executable in use), action (what setup did: 'existing', 'created',
%   'updated', 'reused' or 'loaded'), environment (the virtual environment, or ''),
%   engine (the engine version) and, in GNU Octave, mex (the bridge file).
%
%   In MATLAB, setup points pyenv at the Python; pyenv keeps that setting for every
%   later MATLAB session (it is persistent) until pyenv('Version', ...) changes it.
%   In GNU Octave, it compiles the MEX bridge to Python (bridge.c) with mkoctfile
%   when it is missing or out of date; that needs the liboctave-dev package (Debian:
%   apt-get install octave liboctave-dev) and
%   a Python with a shared libpython. Python can start only once per session: to
%   switch to another Python after the engine has been used, restart MATLAB or Octave.
%
%   Errors (identifier: meaning and fix; docs/install.md has more):
%     scistack:setup:noPython        no Python found: install Python 3.10 or later and
%                                    pass its path
%     scistack:setup:pythonVersion   only Pythons older than 3.10: install a newer one
%     scistack:setup:noVenv          the Python cannot create virtual environments
%                                    (Debian: apt-get install python3-venv)
%     scistack:setup:noNetwork       pip could not reach PyPI: connect, or pass
%                                    'PipOptions' with a proxy or a mirror
%     scistack:setup:pipFailed       pip failed: see the log file named in the message
%     scistack:setup:engineMissing   the environment still cannot run the engine:
%                                    scistack.setup('Reinstall', true)
%     scistack:setup:restartNeeded   another Python already runs in this session:
%                                    restart MATLAB or Octave
%     scistack:setup:pyenvFailed     MATLAB refused the Python (an unsupported
%                                    version for this release)
%     scistack:setup:versionMismatch the engine that answered is another version
%
%   Example:
%     scistack.setup();                                  % find or create a Python
%     scistack.setup('~/venvs/scistack/bin/python');    % use a given Python
%     scistack.version('engine')
%
%   See also scistack.version, scistack.internal.setup_python,
%   scistack.internal.build_bridge.

python = '';
if mod(nargin, 2) == 1  % SETUP(PYTHON, NAME, VALUE, ...); the helper reads the options
    python = varargin{1};
    varargin = varargin(2:end);
    if ~ischar(python) && ~isa(python, 'string')
        error('scistack:setup:badArguments', 'PYTHON must be the path of a Python executable');
    end
    python = scistack.internal.expand_home(python);
end
from_environment = getenv('SCISTACK_PYTHON');
octave = exist('OCTAVE_VERSION', 'builtin') > 0;
settings = struct('Explicit', ~isempty(python), 'Loaded', '', 'Options', {varargin});
configured = '';
if octave
    if mislocked('scistack.internal.bridge')
        settings.Loaded = scistack.internal.bridge('executable');
        settings.InProcess = true;
    end
    settings.Mex = fullfile(fileparts(mfilename('fullpath')), '+internal', ...
                            ['bridge.', mexext()]);
else
    status = scistack.internal.setup_matlab('status');
    if status.loaded && ~strcmp(status.mode, 'OutOfProcess')
        settings.Loaded = status.executable;
    end
    configured = status.executable;
end
chosen = scistack.internal.setup_python(candidate_list(python, configured), settings);

if octave
    info = setup_octave(chosen.bridge);
else
    info = scistack.internal.setup_matlab('activate', chosen.python);
end
info.action = chosen.action;
info.environment = chosen.environment;
if ~strcmp(chosen.action, 'loaded') && ~strcmp(chosen.candidate, from_environment)
    setpref('scistack', 'python', info.python);
end
% the engine checks that it is the toolbox's version (scistack:setup:versionMismatch)
info.engine = scistack.internal.engine_call('ping', 'version', scistack.version(), ...
                                            'python', info.python);
if nargout == 0
    fprintf('SciStack engine %s ready (%s, Python %s)\n', info.engine, info.runtime, ...
            info.python);
    if ~octave
        fprintf(['pyenv now names this Python for every MATLAB session (a persistent ', ...
                 'setting); pyenv(''Version'', ...) changes it\n']);
    end
    clear('info');
end
end

function candidates = candidate_list(python, configured)
% The Pythons to try, in order, without repeats.
if ~isempty(python)
    candidates = {python};
    return
end
minors = {'3.12', '3.11', '3.10'};
candidates = [{getenv('SCISTACK_PYTHON'), getpref('scistack', 'python', ''), configured}, ...
              strcat('python', minors), {'python3', 'python'}];
if ismac()
    % MATLAB started from the Dock has a minimal PATH: Homebrew's and python.org's
    for k = 1:numel(minors)
        candidates = [candidates, strcat({'/opt/homebrew/bin/python', ...
                                          '/usr/local/bin/python'}, minors{k}), ...
                      {['/Library/Frameworks/Python.framework/Versions/', minors{k}, ...
                        '/bin/python3']}]; %#ok<AGROW>
    end
elseif ispc()
    candidates = [candidates, strcat('py -', minors), {'py'}];  % the Python launcher
end
candidates = candidates(~cellfun('isempty', candidates));
[~, first] = unique(candidates, 'first');
candidates = candidates(sort(first));
end

function info = setup_octave(plan)
% Build the MEX bridge when the helper's plan says so, unless it is in use.
if mislocked('scistack.internal.bridge')  % Python started: the MEX file is locked
    if plan.build
        warning('scistack:setup:restartNeeded', ...
                'the bridge is in use; restart Octave and run scistack.setup to rebuild it');
    end
else
    if plan.build
        scistack.internal.build_bridge(plan);
    end
    setenv('SCISTACK_PYTHON', plan.executable);
end
info = struct('runtime', 'Octave', 'python', plan.executable, 'mex', plan.target);
end
