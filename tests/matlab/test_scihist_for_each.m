function tests = test_scihist_for_each
%TEST_SCIHIST_FOR_EACH  scihist.for_each: lineage on outputs, computed combinations skipped.
%   Needs the engine (SCISTACK_PYTHON). Run with run_tests('test_scihist_for_each').
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
for subject = 1:3
    RawEMG().save(subject * [1; 2; 3], 'subject', subject, 'session', 'pre');
end
end

function teardown(testCase)
scidb_test_cleanup(testCase.TestData.db, testCase.TestData.file);
end

function [r, info] = run_scale(factor, varargin)
[r, info] = scihist.for_each(@helper_scale, struct('x', RawEMG(), 'factor', factor), ...
                             {FilteredEMG()}, 'subject', [1 2 3 4], 'session', 'pre', varargin{:});
end

% ----------------------------------------------------------------- skipping

function test_second_run_skips_computed_combinations(testCase)
first = run_scale(2);
verifyEqual(testCase, first.status, {'done'; 'done'; 'done'; 'skipped'});
[second, info] = run_scale(2);
verifyEqual(testCase, second.status, {'cached'; 'cached'; 'cached'; 'skipped'});
verifyEqual(testCase, second.reason{1}, 'already computed with this function, code and inputs');
verifyEqual(testCase, second.FilteredEMG, first.FilteredEMG);
verifyEqual(testCase, info.n_cached, 3);
versions = FilteredEMG().list_versions('subject', 1, 'session', 'pre');
verifyEqual(testCase, numel(versions), 1);
end

function test_dry_run_reports_cached_combinations(testCase)
run_scale(2);
RawEMG().save(4, 'subject', 4, 'session', 'pre');
r = run_scale(2, 'dry_run', true);
verifyEqual(testCase, r.status, {'cached'; 'cached'; 'cached'; 'would_run'});
end

function test_force_runs_everything_again_without_new_versions(testCase)
run_scale(2);
r = run_scale(2, 'force', true);
verifyEqual(testCase, r.status, {'done'; 'done'; 'done'; 'skipped'});
verifyEqual(testCase, numel(FilteredEMG().list_versions('subject', 1, 'session', 'pre')), 1);
r = run_scale(2, 'skip_computed', false);
verifyEqual(testCase, r.status{1}, 'done');
end

function test_a_changed_constant_runs_again_and_adds_versions(testCase)
run_scale(2);
r = run_scale(3);
verifyEqual(testCase, r.status, {'done'; 'done'; 'done'; 'skipped'});
latest = FilteredEMG().load('subject', 2, 'session', 'pre');
verifyEqual(testCase, latest.data, [6; 12; 18]);
verifyEqual(testCase, latest.version, 2);
by_constant = FilteredEMG().load('subject', 2, 'session', 'pre', 'factor', 2);
verifyEqual(testCase, by_constant.data, [4; 8; 12]);
r = run_scale(2);
verifyEqual(testCase, r.status, {'cached'; 'cached'; 'cached'; 'skipped'});
verifyEqual(testCase, FilteredEMG().load('subject', 2, 'session', 'pre').data, [4; 8; 12]);
end

function test_a_changed_input_reruns_only_its_combination(testCase)
run_scale(2);
RawEMG().save([7; 7; 7], 'subject', 2, 'session', 'pre');
r = run_scale(2);
verifyEqual(testCase, r.status, {'cached'; 'done'; 'cached'; 'skipped'});
verifyEqual(testCase, FilteredEMG().load('subject', 2, 'session', 'pre').data, [14; 14; 14]);
end

function test_anonymous_functions_are_told_apart_by_captured_values(testCase)
k = 2;
f = @(x) x * k;
scihist.for_each(f, struct('x', RawEMG()), {Doubled()}, 'subject', 1, 'session', 'pre');
again = scihist.for_each(f, struct('x', RawEMG()), {Doubled()}, 'subject', 1, ...
                         'session', 'pre');
verifyEqual(testCase, again.status, {'cached'});
k = 5;
g = @(x) x * k;
changed = scihist.for_each(g, struct('x', RawEMG()), {Doubled()}, 'subject', 1, ...
                           'session', 'pre');
verifyEqual(testCase, changed.status, {'done'});
verifyEqual(testCase, Doubled().load('subject', 1, 'session', 'pre').data, [5; 10; 15]);
end

function test_editing_the_function_file_runs_again(testCase)
folder = tempname();
mkdir(folder);
addpath(folder);
cleanup = onCleanup(@() remove_folder(folder));
write_function(folder, 'scidb_edited_fn', 'y = x + 1;');
r = scihist.for_each(@scidb_edited_fn, struct('x', RawEMG()), {Counted()}, 'subject', 1, ...
                     'session', 'pre');
verifyEqual(testCase, r.status, {'done'});
r = scihist.for_each(@scidb_edited_fn, struct('x', RawEMG()), {Counted()}, 'subject', 1, ...
                     'session', 'pre');
verifyEqual(testCase, r.status, {'cached'});
write_function(folder, 'scidb_edited_fn', 'y = 2 + x;  % edited');
r = scihist.for_each(@scidb_edited_fn, struct('x', RawEMG()), {Counted()}, 'subject', 1, ...
                     'session', 'pre');
verifyEqual(testCase, r.status, {'done'});
verifyEqual(testCase, Counted().load('subject', 1, 'session', 'pre').data, [3; 4; 5]);
end

function test_an_edited_path_input_runs_again_and_the_others_stay_cached(testCase)
% The file's content is part of the cache key: editing one file reruns its combination.
folder = tempname();
mkdir(fullfile(folder, '1'));
mkdir(fullfile(folder, '2'));
cleanup = onCleanup(@() rmdir(folder, 's'));
write_text(fullfile(folder, '1', 'pre.txt'), '3');
write_text(fullfile(folder, '2', 'pre.txt'), '10');
template = scidb.PathTemplate('{subject}/{session}.txt', 'root_folder', folder);
import_number = @(path) str2double(fileread(path));
run = @() scihist.for_each(import_number, struct('path', template), {Counted()}, ...
                           'subject', [1 2], 'session', 'pre');
verifyEqual(testCase, getfield(run(), 'status'), {'done'; 'done'});
verifyEqual(testCase, getfield(run(), 'status'), {'cached'; 'cached'});
before = Counted().provenance('subject', 1, 'session', 'pre');
write_text(fullfile(folder, '1', 'pre.txt'), '4');  % edited: same size, other content
verifyEqual(testCase, getfield(run(), 'status'), {'done'; 'cached'});
verifyEqual(testCase, Counted().load('subject', 1, 'session', 'pre').data, 4);
verifyEqual(testCase, Counted().load('subject', 2, 'session', 'pre').data, 10);
after = Counted().provenance('subject', 1, 'session', 'pre');
verifyEqual(testCase, after.inputs.path.variable, 'path');
verifyFalse(testCase, strcmp(after.inputs.path.content_hash, before.inputs.path.content_hash));
verifyFalse(testCase, strcmp(after.cache_key, before.cache_key));
end

% ----------------------------------------------------------------- lineage

function test_outputs_carry_matlab_lineage(testCase)
run_scale(2);
p = FilteredEMG().provenance('subject', 1, 'session', 'pre');
verifyEqual(testCase, p.function_name, 'helper_scale');
verifyEqual(testCase, p.language, 'matlab');
verifyEqual(testCase, p.fingerprint, scistack.internal.fingerprint(@helper_scale));
verifyEqual(testCase, p.constants.factor, 2);
raw = RawEMG().load('subject', 1, 'session', 'pre');
verifyEqual(testCase, p.inputs.x.variable, 'RawEMG');
verifyEqual(testCase, p.inputs.x.record_id, raw.record_id);
verifyEqual(testCase, p.inputs.x.content_hash, raw.content_hash);
verifyEqual(testCase, numel(p.cache_key), 64);
db = scihist.configure_database(testCase.TestData.file, {'subject', 'session'});
testCase.TestData.db = db;
same = db.provenance('FilteredEMG', 'subject', 1, 'session', 'pre');
verifyEqual(testCase, same.cache_key, p.cache_key);
chain = db.provenance(FilteredEMG(), 'subject', 1, 'session', 'pre', 'chain', true);
verifyEqual(testCase, {chain.variable}, {'FilteredEMG', 'RawEMG'});
end

function test_scidb_for_each_records_provenance_but_never_skips(testCase)
scidb.for_each(@helper_scale, struct('x', RawEMG(), 'factor', 2), {FilteredEMG()}, ...
               'subject', 1, 'session', 'pre');
p = FilteredEMG().provenance('subject', 1, 'session', 'pre');
verifyEqual(testCase, p.function_name, 'helper_scale');
verifyEqual(testCase, p.constants.factor, 2);
r = scidb.for_each(@helper_scale, struct('x', RawEMG(), 'factor', 2), {FilteredEMG()}, ...
                   'subject', 1, 'session', 'pre');
verifyEqual(testCase, r.status, {'done'});
end

function test_scidb_for_each_with_a_thunk_records_lineage(testCase)
assumeTrue(testCase, ~isempty(meta.class.fromName('scilineage.Thunk')), ...
           'scilineage.Thunk is missing');
scale = scidb.Thunk(@helper_scale);
first = scidb.for_each(scale, struct('x', RawEMG(), 'factor', 2), {FilteredEMG()}, ...
                       'subject', [1 2], 'session', 'pre');
verifyEqual(testCase, first.status, {'done'; 'done'});
second = scidb.for_each(scale, struct('x', RawEMG(), 'factor', 2), {FilteredEMG()}, ...
                        'subject', [1 2], 'session', 'pre');
verifyEqual(testCase, second.status, {'cached'; 'cached'});
p = FilteredEMG().provenance('subject', 2, 'session', 'pre');
verifyEqual(testCase, p.fingerprint, scale.fingerprint);
verifyEqual(testCase, p.function_name, 'helper_scale');
end

function test_save_false_reports_cached_combinations(testCase)
run_scale(2);
r = run_scale(2, 'save', false);
verifyEqual(testCase, r.status, {'cached'; 'cached'; 'cached'; 'skipped'});
end

% ----------------------------------------------------------------- helpers

function write_function(folder, name, body)
file = fullfile(folder, [name, '.m']);
fid = fopen(file, 'w');
fprintf(fid, 'function y = %s(x)\n%s\nend\n', name, body);
fclose(fid);
clear(name);
rehash();
end

function write_text(file, text)
fid = fopen(file, 'w');
fprintf(fid, '%s', text);
fclose(fid);
end

function remove_folder(folder)
rmpath(folder);
rmdir(folder, 's');
end
