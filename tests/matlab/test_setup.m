function tests = test_setup
%TEST_SETUP  How scistack.setup chooses its Python, and each of its errors.
%   scistack.internal.setup_python runs the setup helper (setup_support.py) with each
%   candidate Python and acts on its JSON report. These tests give it fake Pythons:
%   small shell scripts that print a chosen report (and record their arguments), so
%   that every path, including pip and network failures, runs without a network and
%   without changing any Python. One test uses the real Python named by
%   SCISTACK_PYTHON. The fake Pythons are POSIX shell scripts: the tests that use them
%   are skipped on Windows.
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

function test_only_old_pythons_is_python_version(testCase)
assumeTrue(testCase, isunix(), 'fake Pythons are shell scripts');
too_old = failed_report('check', 'scistack:setup:pythonVersion', 'too old');
old = fake_python(testCase, 'old', too_old, '', 0);
missing = fullfile(testCase.TestData.folder, 'no-such-python');
try
    scistack.internal.setup_python({old, missing}, quiet(testCase));
    verifyFail(testCase, 'no error raised');
catch err
    verifyEqual(testCase, err.identifier, 'scistack:setup:pythonVersion');
    verifyTrue(testCase, ~isempty(strfind(err.message, 'Python 3.8.10')), err.message);
    verifyTrue(testCase, ~isempty(strfind(err.message, '3.10 or later')), err.message);
end
end

function test_an_old_python_named_by_the_user_gives_the_helper_message(testCase)
assumeTrue(testCase, isunix(), 'fake Pythons are shell scripts');
too_old = failed_report('check', 'scistack:setup:pythonVersion', 'Python 3.8.10');
old = fake_python(testCase, 'old_named', too_old, '', 0);
options = quiet(testCase);
options.Explicit = true;
verifyError(testCase, @() scistack.internal.setup_python({old}, options), ...
            'scistack:setup:pythonVersion');
end

function test_an_old_python_is_passed_over_for_a_newer_one(testCase)
assumeTrue(testCase, isunix(), 'fake Pythons are shell scripts');
too_old = failed_report('check', 'scistack:setup:pythonVersion', 'too old');
old = fake_python(testCase, 'old_first', too_old, '', 0);
ready = fake_python(testCase, 'ready_second', ...
                    check_report(testCase, true, '/fake/ready/bin/python'), '', 0);
result = scistack.internal.setup_python({old, ready}, quiet(testCase));
verifyEqual(testCase, result.python, '/fake/ready/bin/python');
verifyEqual(testCase, result.candidate, ready);
end

function test_a_python_that_runs_the_engine_is_used_as_it_is(testCase)
assumeTrue(testCase, isunix(), 'fake Pythons are shell scripts');
ready = fake_python(testCase, 'ready', ...
                    check_report(testCase, true, '/fake/ready/bin/python'), '', 0);
missing = fullfile(testCase.TestData.folder, 'no-such-python');
result = scistack.internal.setup_python({missing, ready}, quiet(testCase));
verifyEqual(testCase, result.action, 'existing');
verifyEqual(testCase, result.python, '/fake/ready/bin/python');
verifyEqual(testCase, result.version, '3.11.4');
verifyEqual(testCase, result.environment, '');
expected = {'check'; '--version'; testCase.TestData.version; '--source'; ...
            scistack.internal.engine_source()};
verifyEqual(testCase, arguments_of(ready), expected);
end

function test_the_real_python_of_the_tests_is_used_as_it_is(testCase)
python = getenv('SCISTACK_PYTHON');
assumeTrue(testCase, ~isempty(python), 'SCISTACK_PYTHON is not set');
result = scistack.internal.setup_python({python}, quiet(testCase));
verifyEqual(testCase, result.action, 'existing');
verifyEqual(testCase, result.candidate, python);
verifyTrue(testCase, ~isempty(regexp(result.version, '^3\.\d+', 'once')), result.version);
end

% ----------------------------------------------------- preparing an environment

function test_an_environment_is_created_when_no_python_runs_the_engine(testCase)
assumeTrue(testCase, isunix(), 'fake Pythons are shell scripts');
created = struct('ok', true, 'command', 'ensure', 'action', 'created', ...
                 'executable', '/fake/env/bin/python', 'environment', '/fake/env', ...
                 'log', '/fake/env/scistack-setup.log', ...
                 'python', struct('executable', '/fake/base', 'version', '3.11.4'));
base = fake_python(testCase, 'base', check_report(testCase, false, '/fake/base'), ...
                   created, 0);
options = quiet(testCase);
options.Environment = fullfile(testCase.TestData.folder, 'an env');
options.Reinstall = true;
options.PipOptions = {'--proxy', 'http://proxy:8080'};
result = scistack.internal.setup_python({base}, options);
verifyEqual(testCase, result.action, 'created');
verifyEqual(testCase, result.python, '/fake/env/bin/python');
verifyEqual(testCase, result.environment, '/fake/env');
verifyEqual(testCase, result.candidate, base);
verifyEqual(testCase, result.version, '3.11.4');
expected = {'ensure'; '--source'; scistack.internal.engine_source(); '--environment'; ...
            options.Environment; '--version'; testCase.TestData.version; '--reinstall'; ...
            '--pip-option=--proxy'; '--pip-option=http://proxy:8080'};
verifyEqual(testCase, arguments_of(base), expected);
end

function test_an_environment_is_prepared_by_the_python_it_was_made_from(testCase)
assumeTrue(testCase, isunix(), 'fake Pythons are shell scripts');
options = quiet(testCase);
options.Reinstall = true;
rebuilt = struct('ok', true, 'command', 'ensure', 'action', 'created', ...
                 'executable', '/fake/env/bin/python', 'environment', options.Environment, ...
                 'log', '', 'python', struct('executable', '/fake/b', 'version', '3.11.4'));
base = fake_python(testCase, 'made_from', check_report(testCase, true, '/fake/b'), ...
                   rebuilt, 0);
own = check_report(testCase, true, '/fake/env/bin/python');
own.python.virtual = true;
own.python.prefix = [options.Environment, '/'];
own.python.base_executable = base;
inside = fake_python(testCase, 'inside_env', own, '', 3);
result = scistack.internal.setup_python({inside}, options);
verifyEqual(testCase, result.python, '/fake/env/bin/python');
verifyEqual(testCase, result.candidate, inside);
recorded = arguments_of(base);
verifyEqual(testCase, recorded{1}, 'ensure');
end

function test_reinstall_passes_over_a_python_that_runs_the_engine(testCase)
assumeTrue(testCase, isunix(), 'fake Pythons are shell scripts');
rebuilt = struct('ok', true, 'command', 'ensure', 'action', 'created', ...
                 'executable', '/fake/env2/bin/python', 'environment', '/fake/env2', ...
                 'log', '', 'python', struct('executable', '/fake/r', 'version', '3.11.4'));
ready = fake_python(testCase, 'ready_reinstall', check_report(testCase, true, '/fake/r'), ...
                    rebuilt, 0);
options = quiet(testCase);
options.Reinstall = true;
result = scistack.internal.setup_python({ready}, options);
verifyEqual(testCase, result.python, '/fake/env2/bin/python');
end

function test_each_helper_failure_keeps_its_identifier(testCase)
assumeTrue(testCase, isunix(), 'fake Pythons are shell scripts');
reasons = {'noVenv', 'badEnvironment', 'noNetwork', 'pipFailed', 'engineMissing', ...
           'engineSourceMissing', 'helperFailed'};
for k = 1:numel(reasons)
    identifier = ['scistack:setup:', reasons{k}];
    message = sprintf('what went wrong (%s) and what to do', reasons{k});
    python = fake_python(testCase, ['fails_', reasons{k}], ...
                         check_report(testCase, false, '/fake/base'), ...
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

function test_an_unknown_identifier_becomes_helper_failed(testCase)
assumeTrue(testCase, isunix(), 'fake Pythons are shell scripts');
python = fake_python(testCase, 'strange', check_report(testCase, false, '/fake/base'), ...
                     failed_report('ensure', 'other:thing', 'odd'), 1);
try
    scistack.internal.setup_python({python}, quiet(testCase));
    verifyFail(testCase, 'no error raised');
catch err
    verifyEqual(testCase, err.identifier, 'scistack:setup:helperFailed');
    verifyTrue(testCase, ~isempty(strfind(err.message, 'other:thing')), err.message);
end
end

function test_an_unreadable_ensure_report_is_helper_failed(testCase)
assumeTrue(testCase, isunix(), 'fake Pythons are shell scripts');
python = fake_python(testCase, 'garbled', check_report(testCase, false, '/fake/base'), ...
                     '{not json', 1);
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

function test_a_running_python_that_runs_the_engine_is_kept(testCase)
assumeTrue(testCase, isunix(), 'fake Pythons are shell scripts');
running = fake_python(testCase, 'running', check_report(testCase, true, '/fake/run'), ...
                      '', 0);
options = quiet(testCase);
options.Loaded = running;
result = scistack.internal.setup_python({'python3'}, options);
verifyEqual(testCase, result.action, 'loaded');
verifyEqual(testCase, result.python, '/fake/run');
end

function test_asking_for_another_python_than_the_running_one_needs_a_restart(testCase)
assumeTrue(testCase, isunix(), 'fake Pythons are shell scripts');
running = fake_python(testCase, 'running_a', check_report(testCase, true, '/fake/a'), ...
                      '', 0);
wanted = fake_python(testCase, 'wanted_b', check_report(testCase, true, '/fake/b'), ...
                     '', 0);
options = quiet(testCase);
options.Loaded = running;
options.Explicit = true;
try
    scistack.internal.setup_python({wanted}, options);
    verifyFail(testCase, 'no error raised');
catch err
    verifyEqual(testCase, err.identifier, 'scistack:setup:restartNeeded');
    verifyTrue(testCase, ~isempty(strfind(err.message, '/fake/a')), err.message);
end
end

function test_a_running_python_without_the_engine_needs_a_restart(testCase)
assumeTrue(testCase, isunix(), 'fake Pythons are shell scripts');
bare = check_report(testCase, false, '/fake/bare');
running = fake_python(testCase, 'running_bare', bare, '', 0);
options = quiet(testCase);
options.Loaded = running;
verifyError(testCase, @() scistack.internal.setup_python({'python3'}, options), ...
            'scistack:setup:restartNeeded');
end

% ------------------------------------------------------------------------ helpers

function options = quiet(testCase)
options = struct('Verbose', false, 'Version', testCase.TestData.version, ...
                 'Environment', fullfile(testCase.TestData.folder, 'env'));
end

function report = check_report(testCase, ready, executable)
% A successful 'check' report of a Python 3.11.4 at EXECUTABLE.
report = struct('ok', true, 'command', 'check', 'ready', ready, ...
                'python', struct('executable', executable, 'version', '3.11.4'), ...
                'engine', struct('version', testCase.TestData.version, 'error', ''));
if ~ready
    report.engine.error = 'ModuleNotFoundError: No module named scistack_engine';
end
end

function report = failed_report(command, identifier, message)
report = struct('ok', false, 'command', command, ...
                'python', struct('executable', '/fake/old', 'version', '3.8.10'), ...
                'error', struct('identifier', identifier, 'message', message, ...
                                'detail', ''));
end

function path = fake_python(testCase, name, on_check, on_ensure, ensure_status)
% A shell script standing in for a Python: it records its arguments and prints
% ON_CHECK or ON_ENSURE (a struct, printed as JSON, or raw text) as the helper would.
path = fullfile(testCase.TestData.folder, name);
lines = {'#!/bin/sh', ...
         ['printf ''%s\n'' "$@" > ''', path, '.args'''], ...
         'case "$2" in', ...
         ['  check) printf ''%s\n'' ''', as_text(on_check), '''; exit 0 ;;'], ...
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

function args = arguments_of(path)
% The arguments the fake Python at PATH was last run with, after the helper's path.
lines = regexp(fileread([path, '.args']), '\n', 'split');
lines = lines(~cellfun('isempty', lines));
args = lines(2:end)';
end
