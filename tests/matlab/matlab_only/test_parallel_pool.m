function tests = test_parallel_pool
%TEST_PARALLEL_POOL  scidb.for_each with 'executor', 'processes' on MATLAB's process pool.
%   Needs MATLAB with Parallel Computing Toolbox (GNU Octave's parcellfun path is tested
%   in ../test_scidb_parallel.m). The workers get plain values through parfeval; the
%   client saves everything, so the results equal a serial run's. A thread pool is
%   refused with scistack:foreach:threadPool. Run in MATLAB with
%   runtests('test_parallel_pool') from this folder, after scistack.setup.
tests = functiontests(localfunctions);
end

function setupOnce(testCase)
here = fileparts(mfilename('fullpath'));
testCase.TestData.paths = {fullfile(here, '..', 'helpers_scidb')};
addpath(testCase.TestData.paths{:});
testCase.assumeTrue(license('test', 'Distrib_Computing_Toolbox') == 1, ...
                    'Parallel Computing Toolbox is not available');
delete(gcp('nocreate'));
parpool('Processes', 2);
end

function teardownOnce(testCase)
delete(gcp('nocreate'));
rmpath(testCase.TestData.paths{:});
end

function setup(testCase)
[testCase.TestData.db, testCase.TestData.file] = scidb_test_database();
for subject = 1:8
    RawEMG().save(subject * 10, subject=subject, session="pre");
end
end

function teardown(testCase)
scidb_test_cleanup(testCase.TestData.db, testCase.TestData.file);
end

function test_process_pool_results_equal_serial_ones(testCase)
inputs = struct('x', RawEMG(), 'factor', 3);
parallel = scidb.for_each(@helper_slow_scale, inputs, {Doubled()}, subject=1:8, ...
                          session="pre", executor="processes", progress=false);
serial = scidb.for_each(@helper_slow_scale, inputs, {Delta()}, subject=1:8, ...
                        session="pre", progress=false);
verifyEqual(testCase, unique(parallel.status), {'done'});
verifyEqual(testCase, unique(serial.status), {'done'});
for subject = 1:8
    verifyEqual(testCase, Doubled().load(subject=subject, session="pre").data, ...
                Delta().load(subject=subject, session="pre").data);
end
end

function test_a_failure_on_a_worker_is_recorded(testCase)
r = scidb.for_each(@helper_slow_scale, struct('x', RawEMG(), 'factor', 0), {Doubled()}, ...
                   subject=1:8, session="pre", executor="processes", progress=false);
verifyEqual(testCase, unique(r.status), {'failed'});
verifyEqual(testCase, unique(r.reason), {'helper:zeroFactor: a factor of 0 is not allowed'});
end

function test_a_thread_pool_is_refused(testCase)
delete(gcp('nocreate'));
parpool('Threads');
cleanup = onCleanup(@() restore_process_pool());
verifyError(testCase, @() scidb.for_each(@helper_slow_scale, ...
                                         struct('x', RawEMG(), 'factor', 2), {Doubled()}, ...
                                         subject=1, session="pre", executor="processes"), ...
            'scistack:foreach:threadPool');
end

function restore_process_pool()
delete(gcp('nocreate'));
parpool('Processes', 2);
end
