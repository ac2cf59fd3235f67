function tests = test_string_arguments
%TEST_STRING_ARGUMENTS  The toolbox's arguments written as MATLAB string arrays.
%   Scripts written for MATLAB pass names as string arrays (["subject" "session"],
%   ["StepLength" "Speed"]) and single names as string scalars ("gait"). GNU Octave has
%   no string class; this folder emulates it (string.m), so here
%   string({'a', 'b'}) stands for MATLAB's ["a" "b"] and string('a') for "a". Each test
%   checks that the string form gives what the cellstr / char form gives. Run by
%   tests/python/test_octave_suite.py in an Octave of its own:
%     addpath('tests/matlab/matlab_semantics'); cd tests/matlab;
%     run_tests('test_string_arguments')
tests = functiontests(localfunctions);
end

function setupOnce(testCase)
here = fileparts(mfilename('fullpath'));
addpath(here); % the emulated string class
testCase.TestData.helpers = fullfile(here, '..', 'helpers_scidb');
addpath(testCase.TestData.helpers);
end

function teardownOnce(testCase)
rmpath(testCase.TestData.helpers);
end

function setup(testCase)
testCase.TestData.file = [tempname(), '.duckdb'];
testCase.TestData.db = scidb.configure_database(testCase.TestData.file, ...
                                                string({'subject', 'session'}));
for subject = 1:2
    RawEMG().save(subject * [1; 2], 'subject', subject, 'session', 'pre');
    RawEMG().save(subject * [3; 4], 'subject', subject, 'session', 'post');
end
end

function teardown(testCase)
scidb_test_cleanup(testCase.TestData.db, testCase.TestData.file);
end

function test_the_string_class_is_emulated(testCase)
verifyTrue(testCase, isstring(string({'a', 'b'})));
verifyFalse(testCase, isstring('a'));
verifyEqual(testCase, cellstr(string({'a', 'b'})), {'a', 'b'});
end

function test_schema_keys_as_a_string_array(testCase)
verifyEqual(testCase, testCase.TestData.db.schema_keys, {'subject', 'session'});
testCase.TestData.db.close();
db = scidb.configure_database(testCase.TestData.file, ...
                              'dataset_schema_keys', string({'subject', 'session'}));
testCase.TestData.db = db;
verifyEqual(testCase, db.schema_keys, {'subject', 'session'});
verifyEqual(testCase, RawEMG().load('subject', 2, 'session', string('post')).data, [6; 8]);
end

function test_variable_group_members_as_a_string_array(testCase)
scidb.add_to_var_group(string('gait'), string({'StepLength', 'Speed'}));
scidb.add_to_var_group('gait', string('RawKinematicData'));
members = scidb.get_var_group(string('gait'));
verifyEqual(testCase, cellfun(@class, members, 'UniformOutput', false), ...
            {'RawKinematicData', 'Speed', 'StepLength'});
scidb.remove_from_var_group(string('gait'), string({'Speed', 'StepLength'}));
verifyEqual(testCase, cellfun(@class, testCase.TestData.db.get_var_group('gait'), ...
                              'UniformOutput', false), {'RawKinematicData'});
testCase.TestData.db.add_to_var_group('emg', string({'RawEMG'}));
verifyEqual(testCase, scidb.list_var_groups(), {'emg', 'gait'});
end

function test_metadata_iterables_as_a_string_array(testCase)
r = scidb.for_each(@helper_scale, struct('x', RawEMG(), 'factor', 2), {FilteredEMG()}, ...
                   'subject', [1 2], 'session', string({'pre', 'post'}), 'progress', false);
verifyEqual(testCase, sort(r.status), repmat({'done'}, 4, 1));
verifyEqual(testCase, FilteredEMG().load('subject', 2, 'session', 'post').data, [12; 16]);
both = FilteredEMG().load('subject', 1, 'session', string({'pre', 'post'}));
verifyEqual(testCase, numel(both), 2);
end

function test_output_names_as_a_string_array(testCase)
r = scidb.for_each(@helper_min_max, struct('x', RawEMG()), string({'Pair1', 'Pair2'}), ...
                   'subject', 1, 'session', 'post', 'progress', false);
verifyEqual(testCase, r.status, {'done'});
verifyEqual(testCase, Pair1().load('subject', 1, 'session', 'post').data, 3);
verifyEqual(testCase, Pair2().load('subject', 1, 'session', 'post').data, 4);
end

function test_columns_and_filter_values_as_strings(testCase)
verifyEqual(testCase, Speed().col(string({'left', 'right'})).columns, {'left'; 'right'});
verifyEqual(testCase, Speed().col(string('left')).columns, 'left');
Side().save('left', 'subject', 1, 'session', 'pre');
Side().save('right', 'subject', 2, 'session', 'pre');
r = scidb.for_each(@(x) x, struct('x', RawEMG()), {Doubled()}, 'subject', [1 2], ...
                   'session', 'pre', 'save', false, ...
                   'where', scidb.where(Side(), '==', string('left')));
verifyEqual(testCase, r.subject, 1);
end
