function result = setup_python(candidates, options)
%SETUP_PYTHON  Find, check or create the Python environment of the SciStack engine.
%   RESULT = scistack.internal.setup_python(CANDIDATES, OPTIONS) chooses the Python in
%   which the toolbox runs its engine. CANDIDATES is a cell array of Python executables
%   (paths or command names), in order of preference. The first candidate that starts
%   runs the choose command of the engine's setup helper (scistack_engine/
%   setup_support.py, through scistack.internal.setup_helper), which makes every
%   decision and checks every candidate (version, shared libpython, the engine of this
%   toolbox version with its dependencies), in one system() call; it reads CANDIDATES
%   and OPTIONS from a JSON settings file and names, in its noPython message, every
%   candidate that gave no report and why:
%     - the first candidate that runs the engine is used as it is ('existing');
%     - else the first candidate of Python 3.10 or later makes the virtual environment
%       OPTIONS.Environment ready: the helper's ensure command creates it ('created'),
%       or completes it ('updated'), or finds it ready ('reused'). It installs the
%       engine's dependencies into it from PyPI with pip and links the engine source
%       into it.
%   When a Python already runs in this session (OPTIONS.Loaded), it cannot be replaced:
%   it is used when it runs the engine ('loaded'), else setup must restart.
%   Called by scistack.setup; it changes neither pyenv, nor the bridge, nor preferences.
%
%   OPTIONS is a struct; every field is optional:
%     Explicit     true when CANDIDATES{1} was named by the user (default false)
%     Loaded       the Python already running in this session ('' when none)
%     InProcess    true when Loaded runs the engine in this process: its engine runs
%                  the helper (no new process) through scistack.internal.engine_call
%     Environment  the virtual environment folder (default: .scistack/venv in the
%                  home folder, shared by MATLAB releases and GNU Octave)
%     Release      the MATLAB release whose supported Pythons count (default:
%                  version('-release') in MATLAB, '' (any 3.10+) in GNU Octave)
%     Reinstall    true to recreate the environment and reinstall (default false)
%     PipOptions   cellstr of extra arguments for pip install (default {})
%     Mex          (GNU Octave) the MEX file of the bridge: RESULT gets its build plan
%     Rebuild      true to plan a build of the MEX file even when it is up to date
%     Source       the engine source (default scistack.internal.engine_source())
%     Version      the engine version needed (default: the engine source's, which
%                  scistack.version() reads too)
%     Verbose      print what is being done (default true)
%     Options      the name/value options given to scistack.setup ('Environment',
%                  'Reinstall', 'PipOptions', 'Rebuild'; names without regard to case),
%                  which replace the fields of those names
%   The helper checks the fields and the options: an unknown one, or a value of the
%   wrong kind, is scistack:setup:badArguments.
%
%   RESULT fields: python (the executable to use), action ('existing', 'created',
%   'updated', 'reused' or 'loaded'), candidate (the entry of CANDIDATES it came from),
%   version (its Python version), environment and log ('' unless an environment was
%   prepared); with Mex also bridge (build: true when the MEX file must be compiled,
%   target, arguments: those of mkoctfile, executable, version: '3.11').
%
%   Errors (identifier: meaning):
%     scistack:setup:noPython        no candidate could be run
%     scistack:setup:badArguments    an unknown option or field, or a wrong value
%     scistack:setup:pythonVersion   only Pythons older than 3.10, or (MATLAB) none of
%                                    the versions this release supports or none with
%                                    a shared libpython; the message names the versions
%     scistack:setup:noSharedLibrary the Python named by the user has no shared libpython
%     scistack:setup:releaseUnsupported  a MATLAB release before R2022b
%     scistack:setup:noVenv          the Python cannot create virtual environments
%     scistack:setup:badEnvironment  the Environment folder is not a virtual environment
%     scistack:setup:noNetwork       pip could not reach the package index
%     scistack:setup:pipFailed       pip failed for another reason
%     scistack:setup:engineMissing   the environment still cannot run the engine
%     scistack:setup:restartNeeded   another Python already runs in this session
%     scistack:setup:helperFailed    the helper's report could not be read
%     scistack:setup:engineSourceMissing  the engine source of the toolbox is incomplete
%
%   Example:
%     result = scistack.internal.setup_python({'python3'}, struct('Verbose', false));
%
%   See also scistack.setup, scistack.internal.setup_helper,
%   scistack.internal.engine_source.

if nargin < 2
    options = struct();
end
options = complete_options(options, cellstr(candidates));
% The helper reads every other option from a settings file (no quoting problems).
settings = [tempname(), '.json'];
handle = fopen(settings, 'w');
fprintf(handle, '%s', jsonencode(rmfield(options, {'Verbose', 'InProcess'})));
fclose(handle);
cleanup = onCleanup(@() delete(settings));
runners = options.Candidates;
if ~isempty(options.Loaded)
    runners = {options.Loaded};
end
report = [];
if options.InProcess
    try
        report = scistack.internal.engine_call('setup', 'argv', {'choose', '--settings', settings});
        runners = {};
    catch  %#ok<CTCH> an engine without the operation: ask the Python in a new process
    end
end
% The helper decides; this loop only finds a candidate that can run it at all.
tried = {};
for k = 1:numel(runners)
    given = {'choose', '--settings', settings, '--runner', runners{k}};
    [report, problem] = scistack.internal.setup_helper(runners{k}, given, options.Source);
    if ~isempty(report)
        break
    end
    tried{end + 1} = sprintf('%s (%s)', runners{k}, problem); %#ok<AGROW>
end
if isempty(report) && ~isempty(options.Loaded)
    error('scistack:setup:restartNeeded', ...
          ['a Python already runs in this session (''%s'') and cannot be checked (%s): ', ...
           'restart MATLAB or Octave and run scistack.setup first'], options.Loaded, problem);
elseif isempty(report)
    error('scistack:setup:noPython', ...
          ['no Python found (tried %s). Install Python 3.10 or later (python.org, ', ...
           'conda, or your system''s packages) and run ', ...
           'scistack.setup(''/path/to/python3'')'], strjoin(tried, ', '));
end
raise_failed(report);
result = report.chosen;
if isfield(report, 'prepare')
    report = prepare(report.prepare, options);
    result.python = report.executable;
    result.action = report.action;
    result.environment = report.environment;
    result.log = report.log;
end
if isfield(report, 'bridge')
    result.bridge = report.bridge;
end
end

function report = prepare(plan, options)
% Run the helper's ensure command that the choice asked for: pip may take minutes.
if options.Verbose
    fprintf('%s\n', plan.message);
end
[report, problem] = scistack.internal.setup_helper(plan.runner, plan.arguments, ...
                                                   options.Source);
if isempty(report)
    error('scistack:setup:helperFailed', ...
          'SciStack''s setup helper gave no report when run by ''%s'': %s', ...
          plan.runner, problem);
end
raise_failed(report);
end

function options = complete_options(options, candidates)
% The defaults this side knows (the helper checks the other fields and the options).
defaults = struct('Verbose', true, 'InProcess', false, 'Loaded', '', 'Source', '', ...
                  'Release', matlab_release());
names = fieldnames(defaults);
for k = 1:numel(names)
    if ~isfield(options, names{k})
        options.(names{k}) = defaults.(names{k});
    end
end
if isempty(options.Source)
    options.Source = scistack.internal.engine_source();
end
options.Candidates = candidates;
end

function release = matlab_release()
% 'R2023b' in MATLAB (whose release decides the Pythons it loads), '' in GNU Octave.
if exist('OCTAVE_VERSION', 'builtin') > 0
    release = '';
else
    release = ['R', version('-release')];
end
end

function raise_failed(report)
% Raise the failure of a helper report under its identifier (one of scistack:setup:, as
% the helper makes it: scistack_engine.setup_support.raised_error).
if ~report.ok
    error(report.error.identifier, '%s', report.error.message);
end
end
