function result = setup_python(candidates, options)
%SETUP_PYTHON  Find, check or create the Python environment of the SciStack engine.
%   RESULT = scistack.internal.setup_python(CANDIDATES, OPTIONS) chooses the Python in
%   which the toolbox runs its engine. CANDIDATES is a cell array of Python executables
%   (paths or command names), tried in order. Each one runs the setup helper of the
%   engine source (scistack_engine/setup_support.py), which reports its version and
%   whether it already runs the engine of this toolbox version, with its dependencies:
%     - the first candidate that runs the engine is used as it is ('existing');
%     - else the first candidate of Python 3.10 or later makes the virtual environment
%       OPTIONS.Environment ready: the helper creates it ('created'), or completes it
%       ('updated'), or finds it ready ('reused'). It installs the engine's
%       dependencies into it from PyPI with pip and links the engine source into it.
%   When a Python already runs in this session (OPTIONS.Loaded), it cannot be replaced:
%   it is used when it runs the engine ('loaded'), else setup must restart.
%   Called by scistack.setup; it changes neither pyenv, nor the bridge, nor preferences.
%
%   OPTIONS is a struct; every field is optional:
%     Explicit     true when CANDIDATES{1} was named by the user (default false)
%     Loaded       the Python already running in this session ('' when none)
%     Environment  the virtual environment folder (default: .scistack/venv in the
%                  home folder, shared by MATLAB releases and GNU Octave)
%     Release      the MATLAB release whose supported Pythons count (default:
%                  version('-release') in MATLAB, '' (any 3.10+) in GNU Octave)
%     Reinstall    true to recreate the environment and reinstall (default false)
%     PipOptions   cellstr of extra arguments for pip install (default {})
%     Source       the engine source (default scistack.internal.engine_source())
%     Version      the engine version needed (default scistack.version())
%     Verbose      print what is being done (default true)
%
%   RESULT fields: python (the executable to use), action ('existing', 'created',
%   'updated', 'reused' or 'loaded'), candidate (the entry of CANDIDATES it came from),
%   version (its Python version), environment and log ('' unless an environment was
%   prepared).
%
%   Errors (identifier: meaning):
%     scistack:setup:noPython        no candidate could be run
%     scistack:setup:pythonVersion   only Pythons older than 3.10, or (MATLAB) none of
%                                    the versions this release supports or none with
%                                    a shared libpython; the message names the versions
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
%   See also scistack.setup, scistack.internal.engine_source.

if nargin < 2
    options = struct();
end
if ischar(candidates)
    candidates = {candidates};
end
options = complete_options(options);
helper = fullfile(options.Source, 'scistack_engine', 'setup_support.py');
if exist(helper, 'file') ~= 2
    error('scistack:setup:engineSourceMissing', ...
          ['the setup helper %s is missing: reinstall the SciStack toolbox (or, in a ', ...
           'clone, restore the python folder)'], helper);
end
check_args = {'check', '--version', options.Version, '--source', options.Source};
if ~isempty(options.Release)
    check_args = [check_args, {'--release', options.Release}];
end

if ~isempty(options.Loaded)
    result = use_loaded(candidates, options, helper, check_args);
    return
end

tried = {};
too_old = {};
why = '';
base = [];
for k = 1:numel(candidates)
    [report, problem] = run_helper(candidates{k}, helper, check_args);
    if isempty(report)
        tried{end + 1} = sprintf('%s (%s)', candidates{k}, problem); %#ok<AGROW>
        continue
    end
    if ~report.ok
        unusable = any(strcmp(error_identifier(report), ...
                              {'scistack:setup:pythonVersion', 'scistack:setup:noSharedLibrary'}));
        if unusable && ~(options.Explicit && numel(candidates) == 1)
            too_old{end + 1} = sprintf('%s (Python %s)', candidates{k}, ...
                                       report.python.version); %#ok<AGROW>
            why = report.error.message;
            continue
        end
        raise(report);
    end
    if report.ready && ~options.Reinstall
        result = make_result(report.python.executable, 'existing', candidates{k}, ...
                             report.python.version, '', '');
        return
    end
    base = report;
    base_candidate = candidates{k};
    break
end

if isempty(base)
    if ~isempty(too_old)
        error('scistack:setup:pythonVersion', ...
              ['found no Python SciStack can use here (it needs Python 3.10 or later, ', ...
               'in MATLAB one this release supports), only %s. The last one: %s'], ...
              strjoin(too_old, ', '), why);
    end
    error('scistack:setup:noPython', ...
          ['no Python found (tried %s). Install Python 3.10 or later (python.org, ', ...
           'conda, or your system''s packages) and run ', ...
           'scistack.setup(''/path/to/python3'')'], strjoin(tried, ', '));
end

if options.Verbose
    fprintf(['SciStack: preparing the Python environment %s from Python %s (%s); ', ...
             'installing the engine''s dependencies from PyPI may take a few minutes\n'], ...
            options.Environment, base.python.version, base.python.executable);
end
args = {'ensure', '--source', options.Source, '--environment', options.Environment, ...
        '--version', options.Version};
if options.Reinstall
    args{end + 1} = '--reinstall';
end
for k = 1:numel(options.PipOptions)
    args{end + 1} = ['--pip-option=', char(options.PipOptions{k})]; %#ok<AGROW>
end
% An environment is prepared by the Python it was made from, never by its own.
runner = base_candidate;
if isfield(base.python, 'virtual') && isequal(base.python.virtual, true) && ...
        same_folder(base.python.prefix, options.Environment)
    runner = base.python.base_executable;
end
[report, problem] = run_helper(runner, helper, args);
if isempty(report)
    error('scistack:setup:helperFailed', ...
          'SciStack''s setup helper gave no report when run by ''%s'': %s', ...
          runner, problem);
end
if ~report.ok
    raise(report);
end
result = make_result(report.executable, report.action, base_candidate, ...
                     base.python.version, report.environment, report.log);
end

function result = use_loaded(candidates, options, helper, check_args)
% A Python already runs in this process: use it if it can, never replace it.
[current, problem] = run_helper(options.Loaded, helper, check_args);
if isempty(current)
    error('scistack:setup:restartNeeded', ...
          ['a Python already runs in this session (''%s'') and cannot be checked (%s): ', ...
           'restart MATLAB or Octave and run scistack.setup first'], options.Loaded, problem);
end
running = current.python.executable;
if options.Explicit && ~isempty(candidates)
    [wanted, problem] = run_helper(candidates{1}, helper, check_args);
    if isempty(wanted)
        error('scistack:setup:noPython', 'cannot run the Python ''%s'' (%s)', ...
              candidates{1}, problem);
    end
    if ~wanted.ok
        raise(wanted);
    end
    if ~strcmp(wanted.python.executable, running)
        error('scistack:setup:restartNeeded', ...
              ['Python already runs in this session from ''%s''; restart MATLAB (or ', ...
               'Octave) and run scistack.setup(''%s'') before anything else uses Python'], ...
              running, wanted.python.executable);
    end
end
if ~current.ok || ~current.ready
    reason = '';
    if isfield(current, 'engine') && isstruct(current.engine)
        reason = current.engine.error;
    elseif isfield(current, 'error') && isstruct(current.error)
        reason = current.error.message;
    end
    error('scistack:setup:restartNeeded', ...
          ['the Python running in this session (''%s'') cannot run the SciStack engine ', ...
           '%s (%s). Python cannot be replaced in a running session: restart MATLAB ', ...
           '(or Octave) and run scistack.setup before anything else uses Python'], ...
          running, options.Version, reason);
end
result = make_result(running, 'loaded', options.Loaded, current.python.version, '', '');
end

function tf = same_folder(a, b)
tidy = @(p) regexprep(char(p), '[\\/]+$', '');
tf = strcmp(tidy(a), tidy(b));
end

function result = make_result(python, action, candidate, version, environment, log)
result = struct('python', python, 'action', action, 'candidate', candidate, ...
                'version', version, 'environment', environment, 'log', log);
end

function options = complete_options(options)
defaults = struct('Explicit', false, 'Loaded', '', 'Environment', '', ...
                  'Reinstall', false, 'PipOptions', {{}}, 'Source', '', 'Version', '', ...
                  'Verbose', true, 'Release', matlab_release());
given = fieldnames(options);
unknown = given(~ismember(given, fieldnames(defaults)));
if ~isempty(unknown)
    error('scistack:setup:badArguments', 'unknown option ''%s''', unknown{1});
end
names = fieldnames(defaults);
for k = 1:numel(names)
    if ~isfield(options, names{k})
        options.(names{k}) = defaults.(names{k});
    end
end
if isempty(options.Environment)
    options.Environment = default_environment();
end
if isempty(options.Source)
    options.Source = scistack.internal.engine_source();
end
if isempty(options.Version)
    options.Version = scistack.version();
end
options.Environment = char(options.Environment);
options.Loaded = char(options.Loaded);
end

function folder = default_environment()
% In the home folder, not in MATLAB's per-release prefdir: an upgrade reuses it.
folder = fullfile(getenv_home(), '.scistack', 'venv');
end

function release = matlab_release()
% 'R2023b' in MATLAB (whose release decides the Pythons it loads), '' in GNU Octave.
if exist('OCTAVE_VERSION', 'builtin') > 0
    release = '';
else
    release = ['R', version('-release')];
end
end

function home = getenv_home()
home = getenv('HOME');
if isempty(home)
    home = getenv('USERPROFILE');
end
if isempty(home)
    home = pwd();
end
end

function [report, problem] = run_helper(python, helper, args)
% Run the helper with PYTHON; REPORT is its decoded JSON report ([] when there is none).
report = [];
if ~isempty(regexp(python, '^py -3\.\d+$', 'once'))
    words = [strsplit(python, ' '), {helper}, args]; % the Windows launcher: py -3.12
else
    words = [{python, helper}, args];
end
quoted = cellfun(@quote, words, 'UniformOutput', false);
command = [strjoin(quoted, ' '), ' 2>&1'];
if ispc()
    % cmd.exe /c drops the first and the last quote of a line that starts with one.
    command = ['"', command, '"'];
end
[status, output] = system(command);
decoded = last_json(output);
if isstruct(decoded) && isfield(decoded, 'ok')
    report = decoded;
    problem = '';
    return
end
text = strtrim(output);
if status == 127 || status == 9009 || ...
        ~isempty(regexp(text, 'not found|not recognized|No such file|cannot find', 'once'))
    problem = 'not found';
elseif isempty(text)
    problem = sprintf('exit status %d, no output', status);
else
    lines = regexp(text, '\r?\n', 'split');
    problem = sprintf('exit status %d: %s', status, strjoin(lines(max(1, end - 4):end), ' | '));
end
end

function value = last_json(output)
% The last line of OUTPUT that holds a JSON object, decoded ([] when none does).
value = [];
lines = regexp(output, '\r?\n', 'split');
for k = numel(lines):-1:1
    line = strtrim(lines{k});
    if ~isempty(line) && line(1) == '{'
        try
            value = jsondecode(line);
        catch
            value = [];
        end
        return
    end
end
end

function text = quote(word)
% WORD as one argument of a shell command line.
word = char(word);
if ispc()
    text = ['"', word, '"'];
else
    text = ['''', strrep(word, '''', '''\'''''), ''''];
end
end

function identifier = error_identifier(report)
identifier = '';
if isfield(report, 'error') && isstruct(report.error) && isfield(report.error, 'identifier')
    identifier = char(report.error.identifier);
end
end

function raise(report)
% Raise the failure of a helper report under its identifier (known ones only).
known = {'scistack:setup:pythonVersion', 'scistack:setup:noVenv', ...
         'scistack:setup:badEnvironment', 'scistack:setup:noNetwork', ...
         'scistack:setup:pipFailed', 'scistack:setup:engineMissing', ...
         'scistack:setup:engineSourceMissing', 'scistack:setup:helperFailed', ...
         'scistack:setup:releaseUnsupported', 'scistack:setup:noSharedLibrary'};
identifier = error_identifier(report);
message = '';
if isfield(report, 'error') && isstruct(report.error) && isfield(report.error, 'message')
    message = char(report.error.message);
end
if ~any(strcmp(identifier, known))
    message = sprintf('SciStack''s setup helper failed (%s): %s', identifier, message);
    identifier = 'scistack:setup:helperFailed';
end
if isempty(message)
    message = 'SciStack''s setup helper failed without saying why';
end
error(identifier, '%s', message);
end
