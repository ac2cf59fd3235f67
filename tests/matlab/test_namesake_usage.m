function tests = test_namesake_usage
%TEST_NAMESAKE_USAGE  The MATLAB usage the other project called SciStack documents.
%   Its variables guide (variable groups through scidb.* functions) and its for_each
%   guide (basic runs, constants selected on load, Fixed, Merge with Fixed, PathInput
%   with a root folder, as_table, dry_run, [] and reused iterables), written again with
%   name/value pairs that GNU Octave parses too. docs/namesake.md lists every snippet.
%   Needs the engine (SCISTACK_PYTHON). Run with run_tests('test_namesake_usage').
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
for subject = 1:2
    RawEMG().save(subject * [1; 1], 'subject', subject, 'session', 'pre');
    RawEMG().save(subject * [2; 2], 'subject', subject, 'session', 'post');
end
end

function teardown(testCase)
scidb_test_cleanup(testCase.TestData.db, testCase.TestData.file);
end

function test_v12_variable_groups_through_package_functions(testCase)
scidb.add_to_var_group('gait', {StepLength(), RawKinematicData()});
scidb.add_to_var_group('gait', {'StepLength', 'Speed'});
scidb.add_to_var_group('gait', 'Speed');
scidb.add_to_var_group('emg', 'RawEMG');
members = scidb.get_var_group('gait');
verifyEqual(testCase, cellfun(@class, members, 'UniformOutput', false), ...
            {'RawKinematicData', 'Speed', 'StepLength'});
verifyEqual(testCase, scidb.list_var_groups(), {'emg', 'gait'});
scidb.remove_from_var_group('gait', 'Speed');
verifyEqual(testCase, numel(scidb.get_var_group('gait')), 2);
for k = 1:numel(members)
    verifyTrue(testCase, isa(members{k}, 'scidb.BaseVariable'));
end
end

function test_f1_basic_for_each(testCase)
r = scidb.for_each(@helper_scale, struct('x', RawEMG(), 'factor', 3), {FilteredEMG()}, ...
                   'subject', [1 2 3], 'session', {'pre', 'post'}, 'progress', false);
verifyEqual(testCase, sum(strcmp(r.status, 'done')), 4);
verifyEqual(testCase, sum(strcmp(r.status, 'skipped')), 2);
verifyEqual(testCase, FilteredEMG().load('subject', 2, 'session', 'post').data, [12; 12]);
end

function test_f2_constants_select_on_load(testCase)
for factor = [10 20]
    scidb.for_each(@helper_scale, struct('x', RawEMG(), 'factor', factor), ...
                   {FilteredEMG()}, 'subject', 1, 'session', 'pre', 'progress', false);
end
verifyEqual(testCase, ...
            FilteredEMG().load('subject', 1, 'session', 'pre', 'factor', 10).data, [10; 10]);
verifyEqual(testCase, FilteredEMG().load('subject', 1, 'session', 'pre').data, [20; 20]);
end

function test_f3_fixed_baseline(testCase)
scidb.for_each(@minus, struct('current', RawEMG(), ...
                              'baseline', scidb.Fixed(RawEMG(), 'session', 'pre')), ...
               {Delta()}, 'subject', [1 2], 'session', 'post', 'progress', false);
verifyEqual(testCase, Delta().load('subject', 2, 'session', 'post').data, [2; 2]);
end

function test_f5_merge_with_a_fixed_part(testCase)
for subject = 1:2
    Speed().save([5; 6], 'subject', subject, 'session', 'pre');
end
r = scidb.for_each(@(m) m, struct('m', scidb.Merge(RawEMG(), ...
                                                   scidb.Fixed(Speed(), 'session', 'pre'))), ...
                   {Merged()}, 'subject', 2, 'session', 'post', 'save', false);
verifyEqual(testCase, r.Merged{1}.RawEMG, [4; 4]);
verifyEqual(testCase, r.Merged{1}.Speed, [5; 6]);
end

function test_f6_path_input_under_a_root_folder(testCase)
folder = tempname();
mkdir(fullfile(folder, '1'));
cleanup = onCleanup(@() rmdir(folder, 's'));
fclose(fopen(fullfile(folder, '1', 'trial_pre.txt'), 'w'));
template = scidb.PathTemplate('{subject}/trial_{session}.txt', 'root_folder', folder);
r = scidb.for_each(@(p) p, struct('p', template), {'Picked'}, 'subject', [1 2], ...
                   'session', 'pre', 'save', false);
verifyEqual(testCase, r.status, {'done'; 'skipped'});
verifyEqual(testCase, r.Picked{1}, fullfile(folder, '1', 'trial_pre.txt'));
verifyError(testCase, @() scidb.PathTemplate('{subject}.txt', 'root', folder), ...
            'scistack:arguments:badOption');
end

function test_f7_as_table(testCase)
r = scidb.for_each(@(x) {x}, struct('x', RawEMG()), {Counted()}, 'subject', 1, ...
                   'as_table', true, 'save', false);
verifyEqual(testCase, r.Counted{1}{1}.data, {[2; 2]; [1; 1]});
end

function test_f8_dry_run(testCase)
r = scidb.for_each(@helper_scale, struct('x', RawEMG(), 'factor', 20), {FilteredEMG()}, ...
                   'dry_run', true, 'subject', [1 2], 'session', 'pre');
verifyEqual(testCase, r.status, {'would_run'; 'would_run'});
verifyError(testCase, @() FilteredEMG().load('subject', 1, 'session', 'pre'), ...
            'scistack:db:unknownVariable');
end

function test_f9_f10_every_stored_value_and_reused_iterables(testCase)
meta = {'subject', [], 'session', {'pre', 'post'}};
meta = [meta, {'progress', false}];
scidb.for_each(@helper_scale, struct('x', RawEMG(), 'factor', 2), {FilteredEMG()}, meta{:});
r = scidb.for_each(@(x) sum(x), struct('x', FilteredEMG()), {Speed()}, meta{:});
verifyEqual(testCase, r.subject, [1; 1; 2; 2]);
verifyEqual(testCase, Speed().load('subject', 2, 'session', 'post').data, 16);
end
