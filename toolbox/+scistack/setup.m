function info = setup(python, varargin)
%SETUP  Connect SciStack to its Python engine (run once per installation).
%   scistack.setup() connects the toolbox to the Python where the scistack package is
%   installed: the environment variable SCISTACK_PYTHON, else the Python saved by an
%   earlier scistack.setup(PYTHON), else python3 on the system path.
%   scistack.setup(PYTHON) uses the Python executable PYTHON (for example a virtual
%   environment's bin/python) and remembers it for later sessions.
%   scistack.setup(PYTHON, 'Rebuild', true) recompiles the GNU Octave bridge even when
%   it is up to date.
%   INFO = scistack.setup(...) returns a struct: runtime ('Octave' or 'MATLAB'),
%   python, engine (the engine version) and, in Octave, mex (the bridge file).
%
%   In GNU Octave, setup compiles the MEX bridge (bridge.c in +scistack/+internal) with
%   mkoctfile when it is missing or out of date; that needs the liboctave-dev package
%   (Debian: apt-get install octave liboctave-dev). In MATLAB, setup points pyenv at
%   PYTHON. Either way it ends by asking the engine for its version.
%
%   Python can start only once per session: to switch to another Python after the
%   engine has been used, restart MATLAB or Octave.
%
%   Example:
%     scistack.setup('~/venvs/scistack/bin/python');
%     scistack.version()
%
%   See also scistack.version, scistack.internal.build_bridge.

if nargin < 1
    python = '';
end
if ~ischar(python)
    python = char(python);
end
options = parse_options(varargin);
remember = ~isempty(python);
if isempty(python)
    python = default_python();
end

if exist('OCTAVE_VERSION', 'builtin') > 0
    info = setup_octave(python, options.Rebuild);
else
    info = scistack.internal.setup_matlab(python);
end
if remember
    setpref('scistack', 'python', info.python);
end
info.engine = scistack.internal.engine_call('ping');
if nargout == 0
    fprintf('SciStack engine %s ready (%s, Python %s)\n', info.engine, info.runtime, ...
            info.python);
    clear('info');
end
end

function options = parse_options(args)
options = struct('Rebuild', false);
if mod(numel(args), 2) ~= 0
    error('scistack:setup:badArguments', 'options are name/value pairs');
end
for k = 1:2:numel(args)
    name = char(args{k});
    if strcmpi(name, 'Rebuild')
        options.Rebuild = logical(args{k + 1});
    else
        error('scistack:setup:badArguments', 'unknown option ''%s'' (known: Rebuild)', name);
    end
end
end

function python = default_python()
python = getenv('SCISTACK_PYTHON');
if isempty(python)
    python = getpref('scistack', 'python', '');
end
if isempty(python)
    python = 'python3';
end
end

function info = setup_octave(python, rebuild)
here = fullfile(fileparts(mfilename('fullpath')), '+internal');
probe = scistack.internal.build_bridge(python, '');
if isempty(probe.engine)
    error('scistack:setup:engineMissing', ...
          ['the Python ''%s'' cannot import scistack_engine (%s): install scistack ', ...
           'into it (pip install -e <repository>) or pass another Python'], ...
          python, probe.engine_error);
end
target = fullfile(here, ['bridge.', mexext()]);
outdated = rebuild || bridge_outdated(target, fullfile(here, 'bridge.c'), probe.version);
% A running bridge (Python started: the MEX file is locked) cannot be replaced.
if mislocked('scistack.internal.bridge')
    current = scistack.internal.bridge('executable');
    if ~strcmp(current, probe.executable)
        error('scistack:setup:restartNeeded', ...
              ['Python already runs in this Octave session from ''%s''; restart Octave ', ...
               'to use ''%s'''], current, probe.executable);
    end
    if outdated
        warning('scistack:setup:restartNeeded', ...
                'the bridge is in use; restart Octave and run scistack.setup to rebuild it');
    end
else
    if outdated
        scistack.internal.build_bridge(python);
    end
    setenv('SCISTACK_PYTHON', probe.executable);
end
info = struct('runtime', 'Octave', 'python', probe.executable, 'mex', target);
end

function tf = bridge_outdated(target, source, version)
% True when the MEX file is missing, older than its source, or built for another Python.
built = dir(target);
if isempty(built)
    tf = true;
    return
end
src = dir(source);
if src.datenum > built.datenum
    tf = true;
    return
end
% The MEX file names the libpython it links to; reading it does not load it.
tf = isempty(strfind(fileread(target), ['libpython', version, '.']));
end
