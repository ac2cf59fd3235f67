function tests = test_scidb_parallel
%TEST_SCIDB_PARALLEL  for_each with 'executor', 'processes': the serial results, saved here.
%   Needs the engine (SCISTACK_PYTHON) and, in GNU Octave, the parallel package. Where
%   each combination ran (the run log's worker column) is checked from Python, in
%   tests/python/test_octave_parallel.py. Run with run_tests('test_scidb_parallel').
tests = functiontests(localfunctions);
end

function setupOnce(testCase)
testCase.TestData.helpers = fullfile(fileparts(mfilename('fullpath')), 'helpers_scidb');
addpath(testCase.TestData.helpers);
end

function teardownOnce(testCase)
rmpath(testCase.TestData.helpers);
end

function setup(testCase)
[testCase.TestData.db, testCase.TestData.file] = scidb_test_database();
testCase.TestData.warning = warning('off', 'scistack:foreach:failed');
for subject = 1:12
    for session = {'pre', 'post'}
        RawEMG().save(subject * 10 + strcmp(session{1}, 'post'), 'subject', subject, ...
                      'session', session{1});
    end
end
end

function teardown(testCase)
warning(testCase.TestData.warning);
scidb_test_cleanup(testCase.TestData.db, testCase.TestData.file);
end

function r = run_parallel(varargin)
r = scidb.for_each(@helper_slow_scale, varargin{:}, 'subject', 1:12, ...
                   'session', {'pre', 'post'}, 'executor', 'processes', 'progress', false);
end

function test_parallel_results_equal_serial_ones(testCase)
require_workers();
r = run_parallel(struct('x', RawEMG(), 'factor', 3), {Doubled()});
verifyEqual(testCase, unique(r.status), {'done'});
serial = scidb.for_each(@helper_slow_scale, struct('x', RawEMG(), 'factor', 3), {Delta()}, ...
                        'subject', 1:12, 'session', {'pre', 'post'}, 'progress', false);
verifyEqual(testCase, unique(serial.status), {'done'});
for subject = [1 7 12]
    verifyEqual(testCase, Doubled().load('subject', subject, 'session', 'post').data, ...
                Delta().load('subject', subject, 'session', 'post').data);
end
verifyEqual(testCase, Doubled().load('subject', 7, 'session', 'post').data, 213);
end

function test_a_failure_on_a_worker_is_recorded_and_the_run_goes_on(testCase)
require_workers();
r = run_parallel(struct('x', RawEMG(), 'factor', 0), {Doubled()});
verifyEqual(testCase, unique(r.status), {'failed'});
verifyTrue(testCase, all(strcmp(r.reason, 'helper:zeroFactor: a factor of 0 is not allowed')));
end

function test_an_unknown_executor_is_refused(testCase)
inputs = struct('x', RawEMG(), 'factor', 2);
verifyError(testCase, @() scidb.for_each(@helper_slow_scale, inputs, {Doubled()}, ...
                                         'subject', 1, 'executor', 'threads'), ...
            'scistack:foreach:badExecutor');
end

function require_workers()
% Octave's parallel package (installed by scripts/ensure-system.sh for the tests).
if exist('OCTAVE_VERSION', 'builtin') ~= 0 && isempty(pkg('list', 'parallel'))
    error('test:noParallel', ...
          'GNU Octave''s parallel package is missing: apt install octave-parallel');
end
end

function test_scifor_on_processes_gives_the_serial_table(testCase)
require_workers();
scifor.set_schema({'subject'});
raw = struct('subject', (1:12)', 'signal', (1:12)' * 1.5);
serial = scifor.for_each(@helper_slow_scale, struct('x', raw, 'factor', 2), ...
                         'subject', 1:12, 'progress', false);
parallel = scifor.for_each(@helper_slow_scale, struct('x', raw, 'factor', 2), ...
                           'subject', 1:12, 'progress', false, 'executor', 'processes');
verifyEqual(testCase, parallel, serial);
end
