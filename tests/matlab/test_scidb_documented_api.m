function tests = test_scidb_documented_api
%TEST_SCIDB_DOCUMENTED_API  The API the product description documents, from MATLAB/Octave.
%   Schema keys by name, scidb.Thunk, loads by version or record id, what list_versions
%   says, reserved keys, variable groups, provenance of plain for_each runs and custom
%   serialisation. Needs the engine (SCISTACK_PYTHON). Run with
%   run_tests('test_scidb_documented_api').
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
end

function teardown(testCase)
scidb_test_cleanup(testCase.TestData.db, testCase.TestData.file);
end

% ----------------------------------------------------------------- schema keys by name

function test_dataset_schema_keys_by_name(testCase)
testCase.TestData.db.close();
db = scidb.configure_database(testCase.TestData.file, 'dataset_schema_keys', ...
                              {'subject', 'session'});
testCase.TestData.db = db;
verifyEqual(testCase, db.schema_keys, {'subject', 'session'});
db = scihist.configure_database(testCase.TestData.file, 'dataset_schema_keys', ...
                                {'subject', 'session'}, 'read_only', false);
testCase.TestData.db = db;
verifyEqual(testCase, db.schema_keys, {'subject', 'session'});
end

function test_schema_keys_given_twice_is_an_error(testCase)
try
    scidb.configure_database(testCase.TestData.file, {'subject'}, ...
                             'dataset_schema_keys', {'subject'});
    verifyFail(testCase, 'no error for schema keys given twice');
catch err
    verifyEqual(testCase, err.identifier, 'scistack:arguments:missing');
end
try
    scidb.configure_database(testCase.TestData.file);
    verifyFail(testCase, 'no error without schema keys');
catch err
    verifyEqual(testCase, err.identifier, 'scistack:arguments:missing');
end
end
