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

% ----------------------------------------------------------------- versions

function test_load_takes_a_version_number_or_a_record_id(testCase)
first = RawEMG().save([1 2 3], 'subject', 1, 'session', 'pre');
second = RawEMG().save([4 5 6], 'subject', 1, 'session', 'pre');
by_id = RawEMG().load('version', first);
verifyEqual(testCase, by_id.data, [1 2 3]);
verifyEqual(testCase, by_id.version, 1);
verifyEqual(testCase, by_id.record_id, first);
by_number = RawEMG().load('subject', 1, 'session', 'pre', 'version', 2);
verifyEqual(testCase, by_number.record_id, second);
every = RawEMG().load('subject', 1, 'session', 'pre', 'version', 'all');
verifyEqual(testCase, numel(every), 2);
try
    RawEMG().load('subject', 2, 'version', first);
    verifyFail(testCase, 'no error for a record id at other metadata');
catch err
    verifyEqual(testCase, err.identifier, 'scistack:db:notFound');
end
end

function test_load_all_with_record_ids_and_versions(testCase)
first = MaxActivation().save(0.5, 'subject', 1, 'session', 'pre');
second = MaxActivation().save(0.75, 'subject', 1, 'session', 'pre');
other = MaxActivation().save(0.25, 'subject', 2, 'session', 'pre');
t = MaxActivation().load_all('include_record_id', true);
verifyEqual(testCase, t.record_id, {second; other});
verifyEqual(testCase, t.data, [0.75; 0.25]);
every = MaxActivation().load_all('include_record_id', true, 'version_id', 'all');
verifyEqual(testCase, every.record_id, {first; second; other});
firsts = MaxActivation().load_all('version', 1);
verifyEqual(testCase, firsts.data, [0.5; 0.25]);
plain = MaxActivation().load_all();
verifyFalse(testCase, any(strcmp(fieldnames(plain), 'record_id')));
end

function test_list_versions_says_when_and_what_made_each(testCase)
RawEMG().save([1 2 3], 'subject', 1, 'session', 'pre');
scale = scidb.Thunk(@helper_scale);
raw = RawEMG().load('subject', 1, 'session', 'pre');
FilteredEMG().save(raw.data, 'subject', 1, 'session', 'pre');
FilteredEMG().save(scale(raw, 3), 'subject', 1, 'session', 'pre');
versions = FilteredEMG().list_versions('subject', 1, 'session', 'pre');
verifyEqual(testCase, [versions.version], [1 2]);
verifyEmpty(testCase, versions(1).function_name);
verifyEqual(testCase, versions(2).function_name, 'helper_scale');
verifyTrue(testCase, ~isempty(versions(2).created_at));
if exist('OCTAVE_VERSION', 'builtin') > 0
    verifyTrue(testCase, ischar(versions(2).created_at) && versions(2).created_at(5) == '-');
end
verifyTrue(testCase, isfield(versions, 'content_hash') && isfield(versions, 'constants'));
end

% ----------------------------------------------------------------- reserved keys

function test_reserved_metadata_keys_have_their_own_identifier(testCase)
for key = {'value', 'record_id', 'created_at', 'version_id', 'include_record_id'}
    verifyError(testCase, @() RawEMG().save(1, 'subject', 1, key{1}, 2), ...
                'scistack:metadata:reservedKey');
end
verifyError(testCase, @() scidb.configure_database([tempname(), '.duckdb'], ...
                                                   {'subject', 'content_hash'}), ...
            'scistack:metadata:reservedKey');
RawEMG().save(1, 'subject', 1, 'session', 'pre');
try
    RawEMG().save(1, 'subject', 1, 'lineage', 'x');
    verifyFail(testCase, 'no error for a reserved key');
catch err
    verifyTrue(testCase, ~isempty(strfind(err.message, 'lineage')), err.message);
end
end

% ----------------------------------------------------------------- variable groups

function test_variable_groups_hold_classes_or_names(testCase)
db = testCase.TestData.db;
db.add_to_var_group('kinematics', {RawKinematicData(), 'StepLength'});
db.add_to_var_group('kinematics', StepLength());
db.add_to_var_group('emg', 'RawEMG');
members = db.get_var_group('kinematics');
verifyEqual(testCase, numel(members), 2);
verifyTrue(testCase, isa(members{1}, 'RawKinematicData') && isa(members{2}, 'StepLength'));
verifyEqual(testCase, db.list_var_groups(), {'emg', 'kinematics'});
db.remove_from_var_group('kinematics', {'RawKinematicData'});
members = db.get_var_group('kinematics');
verifyEqual(testCase, numel(members), 1);
verifyError(testCase, @() db.get_var_group('nothing'), 'scistack:db:notFound');
db.add_to_var_group('ghosts', 'NoSuchClassDefined');
verifyError(testCase, @() db.get_var_group('ghosts'), 'scistack:arguments:badVariable');
end

function test_a_variable_group_is_a_for_each_input_set(testCase)
db = testCase.TestData.db;
RawKinematicData().save(10, 'subject', 1, 'session', 'pre');
StepLength().save(0.5, 'subject', 1, 'session', 'pre');
db.add_to_var_group('kinematics', {StepLength(), RawKinematicData()});
r = scidb.for_each(@helper_kinematic_sum, db.get_var_group('kinematics'), {Delta()}, ...
                   'subject', 1, 'session', 'pre');
verifyEqual(testCase, r.status, {'done'});
verifyEqual(testCase, Delta().load('subject', 1, 'session', 'pre').data, 10.5);
end

% ----------------------------------------------------------------- for_each provenance

function test_a_plain_for_each_records_provenance(testCase)
db = testCase.TestData.db;
RawEMG().save([1 2 3], 'subject', 1, 'session', 'pre');
for factor = [20 30]
    r = scidb.for_each(@helper_scale, struct('x', RawEMG(), 'factor', factor), ...
                       {FilteredEMG()}, 'subject', 1, 'session', 'pre');
    verifyEqual(testCase, r.status, {'done'});
end
p = db.provenance(FilteredEMG(), 'subject', 1, 'session', 'pre');
verifyEqual(testCase, p.function_name, 'helper_scale');
verifyEqual(testCase, p.language, 'matlab');
verifyEqual(testCase, p.constants.factor, 30);
verifyEqual(testCase, p.inputs.x.variable, 'RawEMG');
verifyEqual(testCase, numel(p.fingerprint), 64);
twenty = FilteredEMG().load('subject', 1, 'session', 'pre', 'factor', 20);
verifyEqual(testCase, twenty.data, [20 40 60]);
verifyEqual(testCase, twenty.version, 1);
% a plain for_each runs again (caching is scihist's)
r = scidb.for_each(@helper_scale, struct('x', RawEMG(), 'factor', 30), ...
                   {FilteredEMG()}, 'subject', 1, 'session', 'pre');
verifyEqual(testCase, r.status, {'done'});
r = scihist.for_each(@helper_scale, struct('x', RawEMG(), 'factor', 30), ...
                     {FilteredEMG()}, 'subject', 1, 'session', 'pre');
verifyEqual(testCase, r.status, {'cached'});
end

function test_provenance_by_schema_covers_every_variable(testCase)
db = testCase.TestData.db;
RawEMG().save([1 2 3], 'subject', 1, 'session', 'pre');
RawEMG().save([1 2 3], 'subject', 2, 'session', 'pre');
scidb.for_each(@helper_scale, struct('x', RawEMG(), 'factor', 2), {FilteredEMG()}, ...
               'subject', 1, 'session', 'pre');
p = db.get_provenance_by_schema('subject', 1);
verifyEqual(testCase, {p.variable}, {'FilteredEMG', 'RawEMG'});
verifyEqual(testCase, p(1).function_name, 'helper_scale');
verifyEmpty(testCase, p(2).function_name);
verifyEqual(testCase, numel(db.get_provenance_by_schema()), 3);
end

% ----------------------------------------------------------------- custom serialisation

function test_a_type_with_to_db_and_from_db_saves_and_loads_itself(testCase)
id = WindowVar().save(TimeWindow(0.5, 2), 'subject', 1, 'session', 'pre');
verifyEqual(testCase, WindowVar().save(TimeWindow(0.5, 2), 'subject', 1, 'session', 'pre'), id);
w = WindowVar().load('subject', 1, 'session', 'pre');
verifyTrue(testCase, isa(w.data, 'TimeWindow'));
verifyEqual(testCase, [w.data.start, w.data.stop], [0.5 2]);
t = WindowVar().load_all();
verifyTrue(testCase, isa(t.data{1}, 'TimeWindow'));
verifyError(testCase, @() RawEMG().save(TimeWindow(0, 1), 'subject', 1, 'session', 'pre'), ...
            'scistack:value:unsupported');
end

function test_for_each_passes_and_saves_a_custom_type(testCase)
WindowVar().save(TimeWindow(1, 4), 'subject', 1, 'session', 'pre');
r = scidb.for_each(@helper_window_width, struct('window', WindowVar()), {Speed()}, ...
                   'subject', 1, 'session', 'pre');
verifyEqual(testCase, r.status, {'done'});
verifyEqual(testCase, Speed().load('subject', 1, 'session', 'pre').data, 3);
r = scidb.for_each(@helper_window_widen, struct('window', WindowVar(), 'by', 0.5), ...
                   {WindowVar()}, 'subject', 2, 'session', 'pre');
verifyEqual(testCase, r.status, {'skipped'});
WindowVar().save(TimeWindow(1, 4), 'subject', 2, 'session', 'pre');
r = scidb.for_each(@helper_window_widen, struct('window', WindowVar(), 'by', 0.5), ...
                   {WindowVar()}, 'subject', 2, 'session', 'pre');
verifyEqual(testCase, r.status, {'done'});
w = WindowVar().load('subject', 2, 'session', 'pre');
verifyEqual(testCase, [w.data.start, w.data.stop], [0.5 4.5]);
end
