function tests = test_setup
%TEST_SETUP  How scistack.setup reaches its Python, and each of its errors.
%   scistack.internal.setup_python finds the first candidate Python that runs the
%   setup helper (setup_support.py), which chooses among the candidates (tested in
%   tests/python/test_setup_support.py), and acts on its JSON report: it runs the
%   environment preparation the helper asks for and raises the helper's errors. These
%   tests give it fake Pythons: small shell scripts that print a chosen report (and
%   record their arguments), so that every path, including pip and network failures,
%   runs without a network and without changing any Python. One test uses the real
%   Python named by SCISTACK_PYTHON. The fake Pythons are POSIX shell scripts: the tests
%   that use them are skipped on Windows.
%   Run with run_tests('test_setup').
tests = functiontests(localfunctions);
end

function setupOnce(testCase)
testCase.TestData.folder = tempname();
mkdir(testCase.TestData.folder);
testCase.TestData.version = scistack.version();
end

function teardownOnce(testCase)
if isunix()
    system(['rm -rf ''', testCase.TestData.folder, '''']);
end
end

% ------------------------------------------------------------------------ version

function test_version_is_written_in_the_engine_source(testCase)
init = fullfile(scistack.internal.engine_source(), 'scistack_engine', '__init__.py');
found = regexp(fileread(init), '__version__ = [''"]([^''"]+)', 'tokens', 'once');
verifyEqual(testCase, scistack.version(), found{1});
verifyTrue(testCase, ~isempty(regexp(scistack.version(), '^\d+\.\d+\.\d+', 'once')));
end

function test_version_rejects_an_unknown_argument(testCase)
verifyError(testCase, @() scistack.version('toolbox'), 'scistack:version:badArgument');
end

function test_engine_source_holds_the_setup_helper(testCase)
source = scistack.internal.engine_source();
verifyEqual(testCase, exist(fullfile(source, 'scistack_engine', 'setup_support.py'), ...
                            'file'), 2);
end

% --------------------------------------------------------------- finding a Python

function test_a_leading_tilde_is_the_home_folder(testCase)
saved = getenv('HOME');
restore = onCleanup(@() setenv('HOME', saved));
setenv('HOME', testCase.TestData.folder);
home = testCase.TestData.folder;
verifyEqual(testCase, scistack.internal.expand_home('~/venvs/scistack/bin/python'), ...
            [home, '/venvs/scistack/bin/python']);
verifyEqual(testCase, scistack.internal.expand_home('~'), home);
verifyEqual(testCase, scistack.internal.expand_home('~other/bin/python'), ...
            '~other/bin/python');
verifyEqual(testCase, scistack.internal.expand_home('/usr/bin/python3'), '/usr/bin/python3');
clear('restore');
end

function test_no_python_found_is_no_python(testCase)
assumeTrue(testCase, isunix(), 'fake Pythons are shell scripts');
missing = fullfile(testCase.TestData.folder, 'no-such-python');
try
    scistack.internal.setup_python({missing, [missing, '2']}, quiet(testCase));
    verifyFail(testCase, 'no error raised');
catch err
    verifyEqual(testCase, err.identifier, 'scistack:setup:noPython');
    verifyTrue(testCase, ~isempty(strfind(err.message, missing)), err.message);
    verifyTrue(testCase, ~isempty(strfind(err.message, 'not found')), err.message);
end
end

function test_a_candidate_without_a_report_is_skipped(testCase)
assumeTrue(testCase, isunix(), 'fake Pythons are shell scripts');
noisy = fake_python(testCase, 'noisy', 'this is not a report', '', 0);
try
    scistack.internal.setup_python({noisy}, quiet(testCase));
    verifyFail(testCase, 'no error raised');
catch err
    verifyEqual(testCase, err.identifier, 'scistack:setup:noPython');
    verifyTrue(testCase, ~isempty(strfind(err.message, 'this is not a report')), ...
               err.message);
end
end

function test_the_first_python_that_runs_chooses_among_the_rest(testCase)
assumeTrue(testCase, isunix(), 'fake Pythons are shell scripts');
ready = fake_python(testCase, 'ready', ...
                    choose_report('/fake/ready/bin/python', 'existing'), '', 0);
missing = fullfile(testCase.TestData.folder, 'no-such-python');
after = fullfile(testCase.TestData.folder, 'after');
result = scistack.internal.setup_python({missing, ready, after}, quiet(testCase));
verifyEqual(testCase, result.action, 'existing');
verifyEqual(testCase, result.python, '/fake/ready/bin/python');
verifyEqual(testCase, result.version, '3.11.4');
verifyEqual(testCase, result.environment, '');
% the helper gets every candidate and checks the others itself (it names why one fails)
verifyEqual(testCase, arguments_of(ready), {'choose'; '--settings'; ...
                                            settings_file(ready); '--runner'; ready});
settings = settings_of(ready);
verifyEqual(testCase, settings.Candidates, {missing; ready; after});
verifyEqual(testCase, settings.Environment, quiet(testCase).Environment);
verifyEqual(testCase, settings.Version, testCase.TestData.version);
verifyEqual(testCase, settings.Source, scistack.internal.engine_source());
end

function test_the_options_reach_the_helper(testCase)
assumeTrue(testCase, isunix(), 'fake Pythons are shell scripts');
ready = fake_python(testCase, 'ready_options', choose_report('/fake/r', 'existing'), '', 0);
options = quiet(testCase);
options.Explicit = true;
options.Reinstall = true;
options.Release = 'R2024a';
options.Mex = '/fake/bridge.mex';
options.Rebuild = true;
options.PipOptions = {'--proxy', 'http://proxy:8080'};
options.Options = {'environment', '/given/env'};
scistack.internal.setup_python({ready}, options);
settings = settings_of(ready);
verifyEqual(testCase, settings.Release, 'R2024a');
verifyEqual(testCase, settings.Mex, '/fake/bridge.mex');
verifyTrue(testCase, settings.Explicit && settings.Reinstall && settings.Rebuild);
verifyEqual(testCase, settings.PipOptions, {'--proxy'; 'http://proxy:8080'});
verifyEqual(testCase, settings.Options, {'environment'; '/given/env'});
verifyFalse(testCase, isfield(settings, 'Verbose'));
end

function test_the_real_python_of_the_tests_is_used_as_it_is(testCase)
python = getenv('SCISTACK_PYTHON');
assumeTrue(testCase, ~isempty(python), 'SCISTACK_PYTHON is not set');
options = quiet(testCase);
options.Mex = fullfile(testCase.TestData.folder, ['bridge.', mexext()]);
result = scistack.internal.setup_python({python}, options);
verifyEqual(testCase, result.action, 'existing');
verifyEqual(testCase, result.candidate, python);
verifyTrue(testCase, ~isempty(regexp(result.version, '^3\.\d+', 'once')), result.version);
verifyTrue(testCase, result.bridge.build, 'a missing MEX file is to be built');
verifyEqual(testCase, result.bridge.target, options.Mex);
verifyTrue(testCase, any(strcmp(result.bridge.arguments, '--mex')));
end

% ----------------------------------------------------- preparing an environment

function test_an_environment_is_created_when_the_helper_asks(testCase)
assumeTrue(testCase, isunix(), 'fake Pythons are shell scripts');
created = struct('ok', true, 'command', 'ensure', 'action', 'created', ...
                 'executable', '/fake/env/bin/python', 'environment', '/fake/env', ...
                 'log', '/fake/env/scistack-setup.log', ...
                 'python', struct('executable', '/fake/base', 'version', '3.11.4'));
base = fullfile(testCase.TestData.folder, 'base');
plan = {'ensure', '--source', 'S', '--environment', 'an env', '--pip-option=--x'};
base = fake_python(testCase, 'base', prepare_report(base, plan), created, 0);
result = scistack.internal.setup_python({base}, quiet(testCase));
verifyEqual(testCase, result.action, 'created');
verifyEqual(testCase, result.python, '/fake/env/bin/python');
verifyEqual(testCase, result.environment, '/fake/env');
verifyEqual(testCase, result.log, '/fake/env/scistack-setup.log');
verifyEqual(testCase, result.candidate, base);
verifyEqual(testCase, result.version, '3.11.4');
verifyEqual(testCase, arguments_of(base), plan');
end

function test_each_helper_failure_keeps_its_identifier(testCase)
assumeTrue(testCase, isunix(), 'fake Pythons are shell scripts');
reasons = {'noVenv', 'badEnvironment', 'noNetwork', 'pipFailed', 'engineMissing', ...
           'engineSourceMissing', 'helperFailed', 'pythonVersion', 'restartNeeded'};
for k = 1:numel(reasons)
    identifier = ['scistack:setup:', reasons{k}];
    message = sprintf('what went wrong (%s) and what to do', reasons{k});
    path = fullfile(testCase.TestData.folder, ['fails_', reasons{k}]);
    python = fake_python(testCase, ['fails_', reasons{k}], ...
                         prepare_report(path, {'ensure'}), ...
                         failed_report('ensure', identifier, message), 1);
    try
        scistack.internal.setup_python({python}, quiet(testCase));
        verifyFail(testCase, ['no error raised for ', identifier]);
    catch err
        verifyEqual(testCase, err.identifier, identifier);
        verifyEqual(testCase, err.message, message);
    end
end
end

function test_a_failed_choice_keeps_its_identifier(testCase)
assumeTrue(testCase, isunix(), 'fake Pythons are shell scripts');
old = fake_python(testCase, 'only_old', ...
                  failed_report('choose', 'scistack:setup:pythonVersion', 'too old'), '', 0);
verifyError(testCase, @() scistack.internal.setup_python({old}, quiet(testCase)), ...
            'scistack:setup:pythonVersion');
end

function test_an_unreadable_ensure_report_is_helper_failed(testCase)
assumeTrue(testCase, isunix(), 'fake Pythons are shell scripts');
path = fullfile(testCase.TestData.folder, 'garbled');
python = fake_python(testCase, 'garbled', prepare_report(path, {'ensure'}), '{not json', 1);
verifyError(testCase, @() scistack.internal.setup_python({python}, quiet(testCase)), ...
            'scistack:setup:helperFailed');
end

function test_a_missing_engine_source_is_reported(testCase)
options = quiet(testCase);
options.Source = testCase.TestData.folder;
verifyError(testCase, @() scistack.internal.setup_python({'python3'}, options), ...
            'scistack:setup:engineSourceMissing');
end

function test_unknown_options_are_refused(testCase)
verifyError(testCase, @() scistack.internal.setup_python({'python3'}, ...
                                                         struct('Bogus', 1)), ...
            'scistack:setup:badArguments');
verifyError(testCase, @() scistack.setup('Bogus', 1), 'scistack:setup:badArguments');
verifyError(testCase, @() scistack.setup('python3', 'Reinstall'), ...
            'scistack:setup:badArguments');
end

% ------------------------------------------------- a Python already in the session

function test_the_running_python_chooses(testCase)
assumeTrue(testCase, isunix(), 'fake Pythons are shell scripts');
running = fake_python(testCase, 'running', choose_report('/fake/run', 'loaded'), '', 0);
options = quiet(testCase);
options.Loaded = running;
result = scistack.internal.setup_python({'python3'}, options);
verifyEqual(testCase, result.action, 'loaded');
verifyEqual(testCase, result.python, '/fake/run');
verifyEqual(testCase, arguments_of(running), {'choose'; '--settings'; ...
                                              settings_file(running); '--runner'; running});
settings = settings_of(running);
verifyEqual(testCase, settings.Loaded, running);
verifyEqual(testCase, settings.Candidates, {'python3'});
end

function test_the_engine_in_this_process_runs_the_helper(testCase)
python = getenv('SCISTACK_PYTHON');
assumeTrue(testCase, ~isempty(python), 'SCISTACK_PYTHON is not set');
scistack.internal.engine_call('ping');  % the engine runs in this process
options = quiet(testCase);
options.Loaded = python;
options.InProcess = true;
options.Mex = fullfile(testCase.TestData.folder, ['bridge.', mexext()]);
result = scistack.internal.setup_python({python}, options);
verifyEqual(testCase, result.action, 'loaded');
verifyEqual(testCase, result.candidate, python);
verifyTrue(testCase, result.bridge.build, 'a missing MEX file is to be built');
end

function test_a_running_python_that_cannot_be_run_needs_a_restart(testCase)
assumeTrue(testCase, isunix(), 'fake Pythons are shell scripts');
options = quiet(testCase);
options.Loaded = fullfile(testCase.TestData.folder, 'gone-python');
verifyError(testCase, @() scistack.internal.setup_python({'python3'}, options), ...
            'scistack:setup:restartNeeded');
end

% ------------------------------------------------------------------------ helpers

function options = quiet(testCase)
options = struct('Verbose', false, 'Version', testCase.TestData.version, ...
                 'Environment', fullfile(testCase.TestData.folder, 'env'));
end

function report = choose_report(executable, action)
% A successful 'choose' report that settles on the Python 3.11.4 at EXECUTABLE.
report = struct('ok', true, 'command', 'choose', ...
                'chosen', struct('python', executable, 'action', action, ...
                                 'candidate', executable, 'version', '3.11.4', ...
                                 'environment', '', 'log', ''));
end

function report = prepare_report(runner, arguments)
% A 'choose' report asking RUNNER to run the helper with ARGUMENTS (a cellstr).
report = choose_report('', '');
report.chosen.candidate = runner;
report.prepare = struct('runner', runner, 'arguments', {arguments}, ...
                        'message', 'SciStack: preparing');
end

function report = failed_report(command, identifier, message)
report = struct('ok', false, 'command', command, ...
                'python', struct('executable', '/fake/old', 'version', '3.8.10'), ...
                'error', struct('identifier', identifier, 'message', message, ...
                                'detail', ''));
end

function path = fake_python(testCase, name, on_choose, on_ensure, ensure_status)
% A shell script standing in for a Python: it records its arguments and prints
% ON_CHOOSE or ON_ENSURE (a struct, printed as JSON, or raw text) as the helper would.
path = fullfile(testCase.TestData.folder, name);
lines = {'#!/bin/sh', ...
         ['printf ''%s\n'' "$@" > ''', path, '.args'''], ...
         ['[ "$2" = choose ] && cp "$4" ''', path, '.settings'''], ...
         'case "$2" in', ...
         ['  choose) printf ''%s\n'' ''', as_text(on_choose), '''; exit 0 ;;'], ...
         ['  ensure) echo Collecting numpy; printf ''%s\n'' ''', as_text(on_ensure), ...
          '''; exit ', sprintf('%d', ensure_status), ' ;;'], ...
         'esac', 'exit 3'};
handle = fopen(path, 'w');
fprintf(handle, '%s\n', lines{:});
fclose(handle);
system(['chmod +x ''', path, '''']);
end

function text = as_text(value)
if isstruct(value)
    text = jsonencode(value);
else
    text = value;
end
end

function settings = settings_of(path)
% The settings file the fake Python at PATH was last given by choose, decoded.
settings = jsondecode(fileread([path, '.settings']));
end

function file = settings_file(path)
% The settings file named in the arguments of the fake Python at PATH.
args = arguments_of(path);
file = args{3};
end

function args = arguments_of(path)
% The arguments the fake Python at PATH was last run with, after the helper's path.
lines = regexp(fileread([path, '.args']), '\n', 'split');
lines = lines(~cellfun('isempty', lines));
args = lines(2:end)';
end
