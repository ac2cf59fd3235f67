function tests = test_scidb_versions
%TEST_SCIDB_VERSIONS  Versions, addresses, load_all, provenance and the database object.
%   Needs the engine (SCISTACK_PYTHON). Run with run_tests('test_scidb_versions').
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

% ----------------------------------------------------------------- versions

function test_new_content_adds_a_version_identical_content_adds_none(testCase)
first = RawEMG().save([1 2 3], 'subject', 1, 'session', 'pre');
again = RawEMG().save([1 2 3], 'subject', 1, 'session', 'pre');
verifyEqual(testCase, again, first);
second = RawEMG().save([4 5 6], 'subject', 1, 'session', 'pre');
verifyNotEqual(testCase, second, first);
latest = RawEMG().load('subject', 1, 'session', 'pre');
verifyEqual(testCase, latest.data, [4 5 6]);
verifyEqual(testCase, latest.version, 2);
old = RawEMG().load('subject', 1, 'session', 'pre', 'version', 1);
verifyEqual(testCase, old.data, [1 2 3]);
verifyEqual(testCase, old.record_id, first);
versions = RawEMG().list_versions('subject', 1, 'session', 'pre');
verifyEqual(testCase, size(versions), [2 1]);
verifyEqual(testCase, [versions.version], [1 2]);
verifyEqual(testCase, {versions.record_id}, {first, second});
end

function test_a_missing_version_names_the_existing_ones(testCase)
RawEMG().save(1, 'subject', 1, 'session', 'pre');
try
    RawEMG().load('subject', 1, 'session', 'pre', 'version', 5);
    verifyFail(testCase, 'no error for a missing version');
catch err
    verifyEqual(testCase, err.identifier, 'scistack:db:notFound');
    verifyTrue(testCase, ~isempty(strfind(err.message, 'versions there: [1]')), err.message);
end
end

% ----------------------------------------------------------------- addresses

function test_partial_address_returns_a_cell_of_instances(testCase)
RawEMG().save(1, 'subject', 1, 'session', 'pre');
RawEMG().save(2, 'subject', 1, 'session', 'post');
RawEMG().save(3, 'subject', 2, 'session', 'pre');
both = RawEMG().load('subject', 1);
verifyClass(testCase, both, 'cell');
verifyEqual(testCase, size(both), [2 1]);
sessions = cellfun(@(r) r.metadata.session, both, 'UniformOutput', false);
verifyEqual(testCase, sort(sessions), {'post'; 'pre'});
one = RawEMG().load('subject', 2);
verifyClass(testCase, one, 'cell');
verifyEqual(testCase, numel(one), 1);
several = RawEMG().load('subject', [1 2], 'session', 'pre');
verifyEqual(testCase, numel(several), 2);
listed = RawEMG().load('session', {'pre', 'post'}, 'subject', 1);
verifyEqual(testCase, numel(listed), 2);
single_value_cell = RawEMG().load('session', {'post'}, 'subject', 1);
verifyClass(testCase, single_value_cell, 'RawEMG');
end

function test_not_found_and_unknown_variable_errors(testCase)
RawEMG().save(1, 'subject', 1, 'session', 'pre');
verifyError(testCase, @() RawEMG().load('subject', 9, 'session', 'pre'), ...
            'scistack:db:notFound');
verifyError(testCase, @() FilteredEMG().load('subject', 1), 'scistack:db:unknownVariable');
try
    RawEMG().load('subject', 9, 'session', 'pre');
catch err
    verifyTrue(testCase, ~isempty(strfind(err.message, 'subject takes the values 1')), ...
               err.message);
end
end

function test_numbers_address_by_value(testCase)
RawEMG().save(1, 'subject', int32(3), 'session', 'pre');
raw = RawEMG().load('subject', 3.0, 'session', 'pre');
verifyEqual(testCase, raw.data, 1);
verifyEqual(testCase, raw.metadata.subject, 3);
end

% ----------------------------------------------------------------- load_all

function test_load_all_returns_columns_of_metadata_and_data(testCase)
RawEMG().save(0.5, 'subject', 1, 'session', 'pre');
RawEMG().save(1.5, 'subject', 1, 'session', 'post');
RawEMG().save(2.5, 'subject', 2, 'session', 'pre');
t = RawEMG().load_all();
verifyEqual(testCase, sort(t.data), [0.5; 1.5; 2.5]);
verifyEqual(testCase, size(t.subject), [3 1]);
verifyClass(testCase, t.session, 'cell');
if exist('OCTAVE_VERSION', 'builtin') > 0
    verifyEqual(testCase, fieldnames(t), {'subject'; 'session'; 'data'});
end
only = RawEMG().load_all('subject', 1);
verifyEqual(testCase, numel(only.data), 2);
none = RawEMG().load_all('subject', 7);
verifyEqual(testCase, numel(none.data), 0);
verifyError(testCase, @() FilteredEMG().load_all(), 'scistack:db:unknownVariable');
end

function test_load_all_keeps_arrays_in_a_cell_column(testCase)
RawEMG().save([1; 2], 'subject', 1, 'session', 'pre');
RawEMG().save('text', 'subject', 2, 'session', 'pre');
t = RawEMG().load_all('session', 'pre');
verifyClass(testCase, t.data, 'cell');
verifyEqual(testCase, t.data, {[1; 2]; 'text'});
end

function test_load_all_as_instances(testCase)
RawEMG().save(1, 'subject', 1, 'session', 'pre');
RawEMG().save(2, 'subject', 2, 'session', 'pre');
items = RawEMG().load_all('as_table', false);
verifyEqual(testCase, numel(items), 2);
verifyClass(testCase, items{1}, 'RawEMG');
verifyEqual(testCase, numel(RawEMG().load_all('subject', 5, 'as_table', false)), 0);
end

function test_a_record_loaded_with_exactly_its_keys_is_one_instance(testCase)
RawEMG().save(7, 'subject', 3);
one = RawEMG().load('subject', 3);
verifyClass(testCase, one, 'RawEMG');
verifyEqual(testCase, one.data, 7);
verifyEqual(testCase, one.metadata, struct('subject', 3));
RawEMG().save(8, 'subject', 4, 'session', 'pre');
partial = RawEMG().load('subject', 4);
verifyClass(testCase, partial, 'cell');
verifyEqual(testCase, numel(partial), 1);
RawEMG().save(9, 'subject', 3, 'session', 'post');
both = RawEMG().load('subject', 3);
verifyClass(testCase, both, 'cell');
verifyEqual(testCase, numel(both), 2);
end

% ----------------------------------------------------------------- provenance

function test_provenance_of_a_plain_save(testCase)
id = RawEMG().save(1, 'subject', 1, 'session', 'pre');
p = RawEMG().provenance('subject', 1, 'session', 'pre');
verifyEqual(testCase, p.record_id, id);
verifyEqual(testCase, p.variable, 'RawEMG');
verifyEmpty(testCase, p.function_name);
end

function test_saving_a_lineage_result_stores_its_lineage(testCase)
x_hash = scistack.internal.engine_call('hash', 'value', [1 2 3]);
RawEMG().save([1 2 3], 'subject', 1, 'session', 'pre');
raw = RawEMG().load('subject', 1, 'session', 'pre');
input = struct('kind', 'record', 'variable', 'RawEMG', 'metadata', raw.metadata, ...
               'record_id', raw.record_id, 'version', raw.version, ...
               'content_hash', x_hash);
constant = struct('value', 20, 'content_hash', ...
                  scistack.internal.engine_call('hash', 'value', 20));
lineage = struct('function_name', 'bandpass_filter', 'fingerprint', repmat('a', 1, 64), ...
                 'language', 'matlab', 'n_outputs', 1, 'cache_key', repmat('b', 1, 64), ...
                 'inputs', struct('signal', input), 'constants', struct('low_hz', constant));
result = LineageResultStub([2 4 6], lineage, 0);
FilteredEMG().save(result, 'subject', 1, 'session', 'pre');
saved = FilteredEMG().load('subject', 1, 'session', 'pre');
verifyEqual(testCase, saved.data, [2 4 6]);
p = FilteredEMG().provenance('subject', 1, 'session', 'pre');
verifyEqual(testCase, p.function_name, 'bandpass_filter');
verifyEqual(testCase, p.language, 'matlab');
verifyEqual(testCase, p.constants.low_hz, 20);
verifyEqual(testCase, p.inputs.signal.record_id, raw.record_id);
verifyEqual(testCase, p.cache_key, repmat('b', 1, 64));
selected = FilteredEMG().load('subject', 1, 'session', 'pre', 'low_hz', 20);
verifyEqual(testCase, selected.data, [2 4 6]);
chain = testCase.TestData.db.provenance(FilteredEMG(), 'subject', 1, 'session', 'pre', ...
                                        'chain', true);
verifyEqual(testCase, numel(chain), 2);
verifyEqual(testCase, chain(2).variable, 'RawEMG');
end

% ----------------------------------------------------------------- the database

function test_database_object_and_current_database(testCase)
db = testCase.TestData.db;
verifyClass(testCase, db, 'scidb.Database');
verifyEqual(testCase, db.schema_keys, {'subject', 'session'});
verifyEqual(testCase, db.path, testCase.TestData.file);
verifyTrue(testCase, db.is_open());
current = scidb.get_database();
verifyEqual(testCase, current.handle, db.handle);
same = scihist.get_database();
verifyEqual(testCase, same.path, db.path);
RawEMG().save(1, 'subject', 1, 'session', 'pre');
v = db.list_versions('RawEMG', 'subject', 1);
verifyEqual(testCase, numel(v), 1);
p = db.provenance(RawEMG(), 'subject', 1, 'session', 'pre');
verifyEqual(testCase, p.version, 1);
end

function test_configuring_again_reopens_and_keys_are_checked(testCase)
file = testCase.TestData.file;
RawEMG().save(7, 'subject', 1, 'session', 'pre');
again = scidb.configure_database(file, {'subject', 'session'});
testCase.TestData.db = again;
raw = RawEMG().load('subject', 1, 'session', 'pre');
verifyEqual(testCase, raw.data, 7);
verifyError(testCase, @() scidb.configure_database(file, {'subject'}), ...
            'scistack:db:schemaMismatch');
verifyError(testCase, @() scidb.configure_database(file, 'subject', 'bogus', 1), ...
            'scistack:arguments:unknownOption');
end

function test_two_databases_with_the_db_option(testCase)
[other, other_file] = scidb_test_database({'subject'});
cleanup = onCleanup(@() scidb_test_cleanup(other, other_file));
RawEMG().save(2, 'subject', 1);
RawEMG().save(1, 'subject', 1, 'session', 'pre', 'db', testCase.TestData.db);
verifyEqual(testCase, RawEMG().load('subject', 1).data, 2);
mine = RawEMG().load('subject', 1, 'session', 'pre', 'db', testCase.TestData.db);
verifyEqual(testCase, mine.data, 1);
verifyError(testCase, @() RawEMG().load('subject', 1, 'db', 'not a database'), ...
            'scistack:arguments:badDatabase');
end

function test_closed_database_and_no_database_errors(testCase)
db = testCase.TestData.db;
db.close();
verifyFalse(testCase, db.is_open());
verifyError(testCase, @() RawEMG().load('subject', 1, 'db', db), 'scistack:db:notConfigured');
db.close();
end

function test_timeout_option_is_passed_and_checked(testCase)
testCase.TestData.db.close();
db = scidb.configure_database(testCase.TestData.file, {'subject', 'session'}, ...
                              'timeout', 2);
testCase.TestData.db = db;
verifyTrue(testCase, db.is_open());
bad = @() scidb.configure_database(testCase.TestData.file, {'subject', 'session'}, ...
                                   'timeout', -1);
verifyError(testCase, bad, 'scistack:arguments:badTimeout');
end

function test_read_only_database(testCase)
RawEMG().save(1, 'subject', 1, 'session', 'pre');
testCase.TestData.db.close();
db = scidb.configure_database(testCase.TestData.file, {'subject', 'session'}, ...
                              'read_only', true);
testCase.TestData.db = db;
verifyTrue(testCase, db.read_only);
verifyEqual(testCase, RawEMG().load('subject', 1, 'session', 'pre').data, 1);
verifyError(testCase, @() RawEMG().save(2, 'subject', 1, 'session', 'pre'), ...
            'scistack:db:readOnly');
end
