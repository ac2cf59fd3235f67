function tests = test_scidb_for_each
%TEST_SCIDB_FOR_EACH  scidb.for_each: plan in the engine, run here, commit in batches.
%   Needs the engine (SCISTACK_PYTHON). Run with run_tests('test_scidb_for_each').
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
% RawEMG at subjects 1-3 x sessions pre/post, except subject 3 post
for subject = 1:3
    for session = {'pre', 'post'}
        if subject == 3 && strcmp(session{1}, 'post')
            continue
        end
        value = subject * 10 + strcmp(session{1}, 'post');
        RawEMG().save(value, 'subject', subject, 'session', session{1});
    end
end
end

function teardown(testCase)
warning(testCase.TestData.warning);
scidb_test_cleanup(testCase.TestData.db, testCase.TestData.file);
end

% ----------------------------------------------------------------- running

function test_runs_every_combination_and_saves_outputs(testCase)
r = scidb.for_each(@helper_scale, struct('x', RawEMG(), 'factor', 2), {Doubled()}, ...
                   'subject', [1 2], 'session', {'pre', 'post'});
verifyEqual(testCase, r.subject, [1; 1; 2; 2]);
verifyEqual(testCase, r.session, {'pre'; 'post'; 'pre'; 'post'});
verifyEqual(testCase, r.status, repmat({'done'}, 4, 1));
verifyEqual(testCase, r.reason, repmat({''}, 4, 1));
verifyEqual(testCase, cellfun(@numel, r.Doubled), repmat(20, 4, 1));
out = Doubled().load('subject', 2, 'session', 'post');
verifyEqual(testCase, out.data, 42);
verifyEqual(testCase, out.record_id, r.Doubled{4});
end

function test_missing_inputs_are_skipped_with_their_reason(testCase)
[r, info] = scidb.for_each(@helper_scale, struct('x', RawEMG(), 'factor', 2), {Doubled()}, ...
                           'subject', [3 4], 'session', 'post');
verifyEqual(testCase, r.status, {'skipped'; 'skipped'});
verifyEqual(testCase, r.reason{1}, 'no RawEMG record at subject=3, session=''post''');
verifyEqual(testCase, r.Doubled, {''; ''});
verifyEqual(testCase, info.n_skipped, 2);
verifyEqual(testCase, numel(info.run_id), 32);
end

function test_errors_are_recorded_and_the_loop_goes_on(testCase)
[r, info] = scidb.for_each(@helper_fail_on_two, struct('x', 'RawEMG'), {'Counted'}, ...
                           'subject', 1, 'session', 'pre');
verifyEqual(testCase, r.status, {'done'});
RawEMG().save(2, 'subject', 5, 'session', 'pre');
[r, info] = scidb.for_each(@helper_fail_on_two, struct('x', RawEMG()), {Counted()}, ...
                           'subject', [1 5 2], 'session', 'pre');
verifyEqual(testCase, r.status, {'done'; 'failed'; 'done'});
verifyEqual(testCase, r.reason{2}, 'helper:two: the value 2 is not accepted');
verifyEqual(testCase, r.Counted{2}, '');
verifyEqual(testCase, info.n_failed, 1);
verifyEqual(testCase, Counted().load('subject', 2, 'session', 'pre').data, 21);
end

function test_a_failure_warns_with_the_first_failed_combination(testCase)
RawEMG().save(2, 'subject', 5, 'session', 'pre');
warning('on', 'scistack:foreach:failed');
lastwarn('');
evalc(['scidb.for_each(@helper_fail_on_two, struct(''x'', RawEMG()), {Counted()}, ', ...
       '''subject'', 5, ''session'', ''pre'');']);
[message, identifier] = lastwarn();
verifyEqual(testCase, identifier, 'scistack:foreach:failed');
verifyTrue(testCase, ~isempty(strfind(message, 'subject=5, session=''pre''')), message);
end

function test_on_error_raise_stops_and_rethrows_after_committing(testCase)
RawEMG().save(2, 'subject', 5, 'session', 'pre');
verifyError(testCase, @() scidb.for_each(@helper_fail_on_two, struct('x', RawEMG()), ...
                                         {Counted()}, 'subject', [1 5 2], ...
                                         'session', 'pre', 'on_error', 'raise'), ...
            'helper:two');
verifyEqual(testCase, Counted().load('subject', 1, 'session', 'pre').data, 11);
verifyError(testCase, @() Counted().load('subject', 2, 'session', 'pre'), ...
            'scistack:db:notFound');
end

function test_dry_run_reports_and_runs_nothing(testCase)
[r, info] = scidb.for_each(@error, struct('x', RawEMG()), {Doubled()}, ...
                           'subject', [1 3], 'session', {'pre', 'post'}, 'dry_run', true);
verifyEqual(testCase, r.status, {'would_run'; 'would_run'; 'would_run'; 'skipped'});
verifyEqual(testCase, info.run_id, '');
verifyError(testCase, @() Doubled().load_all(), 'scistack:db:unknownVariable');
end

function test_skip_existing_continues_where_a_run_stopped(testCase)
first = scidb.for_each(@helper_scale, struct('x', RawEMG(), 'factor', 2), {Doubled()}, ...
                       'subject', 1, 'session', {'pre', 'post'});
[r, info] = scidb.for_each(@helper_scale, struct('x', RawEMG(), 'factor', 2), {Doubled()}, ...
                           'subject', [1 2], 'session', {'pre', 'post'}, 'skip_existing', true);
verifyEqual(testCase, r.status, {'cached'; 'cached'; 'done'; 'done'});
verifyEqual(testCase, r.reason{1}, 'its outputs are already saved');
verifyEqual(testCase, r.Doubled(1:2), first.Doubled);
verifyEqual(testCase, [info.n_cached, info.n_done], [2 2]);
end

function test_save_false_returns_values(testCase)
[r, info] = scidb.for_each(@helper_scale, struct('x', RawEMG(), 'factor', 3), {Doubled()}, ...
                           'subject', [1 3], 'session', 'post', 'save', false);
verifyEqual(testCase, r.status, {'done'; 'skipped'});
verifyEqual(testCase, r.Doubled, [33; NaN]);
verifyEqual(testCase, info.run_id, '');
verifyError(testCase, @() Doubled().load_all(), 'scistack:db:unknownVariable');
r = scidb.for_each(@(x) [x, x], struct('x', RawEMG()), {Doubled()}, 'subject', [1 2], ...
                   'session', 'pre', 'save', false);
verifyEqual(testCase, r.Doubled, {[10 10]; [20 20]});
end

% ----------------------------------------------------------------- inputs

function test_fixed_pins_metadata(testCase)
r = scidb.for_each(@minus, struct('current', RawEMG(), ...
                                  'baseline', scidb.Fixed(RawEMG(), 'session', 'pre')), ...
                   {Delta()}, 'subject', [1 2], 'session', {'post'});
verifyEqual(testCase, r.status, {'done'; 'done'});
verifyEqual(testCase, Delta().load('subject', 2, 'session', 'post').data, 1);
end

function test_constants_keep_their_class(testCase)
constant = struct('gain', int16(3), 'labels', {{'a', 'b'}});
r = scidb.for_each(@(x, c) {class(c.gain), c.labels, size(c.labels)}, ...
                   {'x', RawEMG(), 'c', constant}, {Picked()}, 'subject', 1, ...
                   'session', 'pre', 'save', false);
verifyEqual(testCase, r.Picked{1}, {'int16', {'a', 'b'}, [1 2]});
end

function test_input_class_names_and_meta_classes(testCase)
r = scidb.for_each(@(x) x + 1, struct('x', 'RawEMG'), {'Counted'}, 'subject', 1, ...
                   'session', 'pre', 'save', false);
verifyEqual(testCase, r.Counted, 11);
r = scidb.for_each(@(x) x, struct('x', 'not a class name'), {'Counted'}, 'subject', 1, ...
                   'session', 'pre', 'save', false);
verifyEqual(testCase, r.Counted, {'not a class name'});
end

function test_partial_address_inputs_arrive_as_cells_or_tables(testCase)
r = scidb.for_each(@(x) {x}, struct('x', RawEMG()), {Counted()}, 'subject', [1 3], ...
                   'save', false);
verifyEqual(testCase, r.Counted{1}, {{11; 10}});  % records in metadata order
verifyEqual(testCase, r.Counted{2}, {30});
r = scidb.for_each(@(x) {x}, struct('x', RawEMG()), {Counted()}, ...
                   'subject', 1, 'save', false, 'as_table', true);
frame = r.Counted{1}{1};
if exist('OCTAVE_VERSION', 'builtin') > 0
    verifyEqual(testCase, fieldnames(frame), {'subject'; 'session'; 'data'});
end
verifyEqual(testCase, frame.data, {11; 10});
verifyEqual(testCase, frame.session, {'post'; 'pre'});
r = scidb.for_each(@(x, y) {x, y.data}, struct('x', RawEMG(), 'y', RawEMG()), {Counted()}, ...
                   'subject', 1, 'save', false, 'as_table', {'y'});
verifyEqual(testCase, r.Counted{1}, {{11; 10}, {11; 10}});
end

function test_merge_joins_values_into_columns(testCase)
Speed().save([1; 2; 3], 'subject', 1, 'session', 'pre');
r = scidb.for_each(@(m) m, struct('m', scidb.Merge(RawEMG(), Speed())), {Merged()}, ...
                   'subject', 1, 'session', 'pre', 'save', false);
merged = r.Merged{1};
verifyEqual(testCase, merged.Speed, [1; 2; 3]);
verifyEqual(testCase, merged.RawEMG, [10; 10; 10]);
end

function test_path_templates(testCase)
folder = tempname();
mkdir(folder);
cleanup = onCleanup(@() rmdir(folder, 's'));
fclose(fopen(fullfile(folder, '1.txt'), 'w'));
template = scidb.PathTemplate(fullfile(folder, '{subject}.txt'));
r = scidb.for_each(@(p) p, struct('p', template), {'Picked'}, 'subject', [1 2], ...
                   'save', false);
verifyEqual(testCase, r.status, {'done'; 'skipped'});
verifyEqual(testCase, r.Picked{1}, fullfile(folder, '1.txt'));
end

% ----------------------------------------------------------------- iterables and filters

function test_empty_iterable_means_every_value_present(testCase)
r = scidb.for_each(@(x) x, struct('x', RawEMG()), {Doubled()}, 'subject', [], ...
                   'session', 'pre');
verifyEqual(testCase, r.subject, [1; 2; 3]);
r = scidb.for_each(@(x) x, struct('x', RawEMG()), {Doubled()}, 'subject', 1, ...
                   'session', {});
verifyEqual(testCase, sort(r.session), {'post'; 'pre'});
end

function test_where_filters_on_values_and_sql(testCase)
Side().save('left', 'subject', 1, 'session', 'pre');
Side().save('right', 'subject', 2, 'session', 'pre');
Side().save('left', 'subject', 3, 'session', 'pre');
base = {@(x) x, struct('x', RawEMG()), {Doubled()}, 'subject', [1 2 3], 'session', 'pre', ...
        'save', false};
r = scidb.for_each(base{:}, 'where', scidb.where(Side(), '==', 'left'));
verifyEqual(testCase, r.subject, [1; 3]);
r = scidb.for_each(base{:}, 'where', scidb.where(Side(), '~=', 'left'));
verifyEqual(testCase, r.subject, 2);
r = scidb.for_each(base{:}, 'where', scidb.Sql('subject > 1'));
verifyEqual(testCase, r.subject, [2; 3]);
r = scidb.for_each(base{:}, 'where', 'subject < 3');
verifyEqual(testCase, r.subject, [1; 2]);
both = scidb.where(Side(), '==', 'left') & scidb.Sql('subject > 1');
r = scidb.for_each(base{:}, 'where', both);
verifyEqual(testCase, r.subject, 3);
either = scidb.where(Side(), '==', 'right') | scidb.Sql('subject = 1');
r = scidb.for_each(base{:}, 'where', either);
verifyEqual(testCase, r.subject, [1; 2]);
r = scidb.for_each(base{:}, 'where', ~scidb.where(RawEMG(), '>', 15));
verifyEqual(testCase, r.subject, 1);
r = scidb.for_each(base{:}, 'where', scidb.where(RawEMG(), 'isin', [10 30]));
verifyEqual(testCase, r.subject, [1; 3]);
verifyError(testCase, @() scidb.for_each(base{:}, 'where', 42), 'scistack:foreach:badFilter');
verifyError(testCase, @() scidb.where(Side(), 'like', 'x'), 'scistack:arguments:badFilter');
verifyError(testCase, @() scidb.for_each(base{:}, 'where', 'nonsense ((('), ...
            'scistack:foreach:badSpec');
end

% ----------------------------------------------------------------- outputs and batches

function test_several_outputs_and_none(testCase)
RawEMG().save([4 9 1], 'subject', 9, 'session', 'pre');
r = scidb.for_each(@helper_min_max, struct('x', RawEMG()), {Pair1(), 'Pair2'}, ...
                   'subject', 9, 'session', 'pre');
verifyEqual(testCase, r.status, {'done'});
verifyEqual(testCase, Pair1().load('subject', 9, 'session', 'pre').data, 1);
verifyEqual(testCase, Pair2().load('subject', 9, 'session', 'pre').data, 9);
r = scidb.for_each(@(x) x, struct('x', RawEMG()), {Pair1(), Pair2()}, 'subject', 9, ...
                   'session', 'pre');
verifyEqual(testCase, r.status, {'failed'});
r = scidb.for_each(@(x) assert(x > 0), struct('x', 'RawEMG'), {}, 'subject', 1, ...
                   'session', 'pre', 'save', false);
verifyEqual(testCase, r.status, {'done'});
end

function test_small_batches_give_the_same_result(testCase)
r = scidb.for_each(@(x) x * 2, struct('x', RawEMG()), {Doubled()}, 'subject', [1 2 3], ...
                   'session', {'pre', 'post'}, 'batch_size', 2);
verifyEqual(testCase, r.status, {'done'; 'done'; 'done'; 'done'; 'done'; 'skipped'});
t = Doubled().load_all();
verifyEqual(testCase, sort(t.data), [20; 22; 40; 42; 60]);
end

function test_outputs_past_commit_bytes_commit_before_the_next_call(testCase)
setappdata(0, 'scistack_seen', []);
r = scidb.for_each(@helper_big_unless_first, struct('x', RawEMG()), {Doubled()}, ...
                   'subject', [1 2], 'session', 'pre');
verifyEqual(testCase, r.status, {'done'; 'done'});
verifyTrue(testCase, isequal(getappdata(0, 'scistack_seen'), true));
rmappdata(0, 'scistack_seen');
end

function test_progress_lines_can_be_forced(testCase)
text = evalc(['scidb.for_each(@(x) x, struct(''x'', RawEMG()), {Doubled()}, ', ...
              '''subject'', [1 2 3], ''session'', ''pre'', ''progress'', true);']);
verifyTrue(testCase, ~isempty(strfind(text, 'combinations run (100%)')), text);
quiet = evalc(['scidb.for_each(@(x) x, struct(''x'', RawEMG()), {Doubled()}, ', ...
               '''subject'', [1 2 3], ''session'', ''pre'', ''progress'', false);']);
verifyEqual(testCase, quiet, '');
end

function test_inputs_as_name_value_pairs(testCase)
r = scidb.for_each(@helper_scale, {'x', RawEMG(), 'factor', 2}, {Doubled()}, ...
                   'subject', 2, 'session', 'post');
verifyEqual(testCase, r.status, {'done'});
verifyEqual(testCase, Doubled().load('subject', 2, 'session', 'post').data, 42);
end

function test_bad_arguments(testCase)
verifyError(testCase, @() scidb.for_each(42, struct(), {}), 'scistack:foreach:badFunction');
verifyError(testCase, @() scidb.for_each(@sin, struct('x', {1, 2}), {}), ...
            'scistack:foreach:badInputs');
verifyError(testCase, @() scidb.for_each(@sin, struct('x', @cos), {}, 'subject', 1), ...
            'scistack:foreach:badInput');
verifyError(testCase, @() scidb.for_each(@sin, struct(), {}, 'on_error', 'stop'), ...
            'scistack:foreach:badOption');
for bad = {{'x'}, {42, 1}, {'2x', 1}, {'x', 1, 'x', 2}, {RawEMG(), 5}}
    verifyError(testCase, @() scidb.for_each(@sin, bad{1}, {}, 'subject', 1), ...
                'scistack:foreach:badInputs');
end
verifyError(testCase, @() scidb.for_each(@sin, struct()), 'scistack:arguments:missing');
verifyError(testCase, @() scidb.for_each(@sin, struct('x', RawEMG()), {42}, ...
                                         'subject', 1), 'scistack:arguments:badVariable');
end

function test_the_engine_tells_options_from_iterables(testCase)
% Option names match without regard to case; 'db' takes the database object.
r = scidb.for_each(@helper_scale, struct('x', RawEMG(), 'factor', 2), {Doubled()}, ...
                   'subject', 1, 'session', 'pre', 'DRY_RUN', true, 'db', testCase.TestData.db);
verifyEqual(testCase, r.status, {'would_run'});
verifyError(testCase, @() Doubled().load_all(), 'scistack:db:unknownVariable');
verifyError(testCase, @() scidb.for_each(@helper_scale, struct('x', RawEMG()), {Doubled()}, ...
                                         'subject', 1, 'db', 'not a database'), ...
            'scistack:arguments:badDatabase');
verifyError(testCase, @() scidb.for_each(@helper_scale, struct('x', RawEMG()), {Doubled()}, ...
                                         'subject'), 'scistack:arguments:unpaired');
verifyError(testCase, @() scidb.for_each(@helper_scale, struct('x', RawEMG()), {Doubled()}, ...
                                         'subject', {struct()}), 'scistack:metadata:invalid');
end
