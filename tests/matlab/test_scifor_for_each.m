function tests = test_scifor_for_each
%TEST_SCIFOR_FOR_EACH  scifor.for_each from MATLAB/Octave: the engine plans, MATLAB calls.
%   Tables are structs of columns here (what GNU Octave has; in MATLAB the same structs
%   are table inputs too, and the results are tables). Needs the engine: scistack.setup()
%   in setupOnce. Run with run_tests('test_scifor_for_each').
tests = functiontests(localfunctions);
end

function setupOnce(testCase)
testCase.TestData.info = scistack.setup();
end

% ------------------------------------------------------------------ schema

function test_schema_lives_in_the_engine(testCase)
keys = scifor.set_schema({'subject', 'session'});
verifyEqual(testCase, keys, {'subject', 'session'});
verifyEqual(testCase, scifor.get_schema(), {'subject', 'session'});
verifyEqual(testCase, scistack.internal.engine_call('scifor_get_schema'), ...
            {'subject'; 'session'});
verifyEqual(testCase, scifor.set_schema('subject'), {'subject'});
verifyEmpty(testCase, scifor.set_schema({}));
verifyError(testCase, @() scifor.set_schema({'subject', 'where'}), 'scistack:scifor:schema');
verifyError(testCase, @() scifor.set_schema({'a b'}), 'scistack:scifor:schema');
end

% ------------------------------------------------------------------ the product example

function test_product_example_with_name_value_pairs(testCase)
scifor.set_schema({'subject', 'session'});
raw_tbl = signals();
results = scifor.for_each(@bandpass_filter, struct('signal', raw_tbl, 'low_hz', 20), ...
                          'subject', [1, 2, 3], 'session', {'pre', 'post'});
verifyEqual(testCase, column_names(results), {'subject', 'session', 'result'});
verifyEqual(testCase, results.subject, [1; 1; 2; 2; 3]);
verifyEqual(testCase, results.session, {'pre'; 'post'; 'pre'; 'post'; 'pre'});
for k = 1:5
    verifyEqual(testCase, results.result{k}, bandpass_filter(raw_tbl.signal{k}, 20), ...
                'AbsTol', 1e-12);
end
end

function test_skips_are_reported_with_their_reason(testCase)
scifor.set_schema({'subject', 'session'});
[results, report] = scifor.for_each(@bandpass_filter, ...
                                    struct('signal', signals(), 'low_hz', 20), ...
                                    'subject', [1 2 3], 'session', {'pre', 'post'});
verifyEqual(testCase, height_of(results), 5);
verifySize(testCase, report.skipped, [1 1]);
verifyEqual(testCase, report.skipped(1).combo, struct('subject', 3, 'session', 'post'));
verifyEqual(testCase, report.skipped(1).reason, 'input ''signal'' has no rows');
verifyEqual(testCase, report.summary.function_name, 'bandpass_filter');
verifyEqual(testCase, [report.summary.combos, report.summary.ran, ...
                       report.summary.skipped, report.summary.errors], [6 5 1 0]);
verifySize(testCase, report.errors, [0 1]);
verifyEqual(testCase, fieldnames(report.errors), ...
            {'combo'; 'stage'; 'error_type'; 'message'; 'traceback'});
end

function test_every_value_present_with_empty_iterables(testCase)
scifor.set_schema({'subject', 'session'});
results = scifor.for_each(@bandpass_filter, struct('signal', signals(), 'low_hz', 20), ...
                          'subject', [], 'session', {});
verifyEqual(testCase, results.subject, [1; 1; 2; 2; 3]);
verifyEqual(testCase, results.session, {'post'; 'pre'; 'post'; 'pre'; 'pre'});
end

% ------------------------------------------------------------------ what the function gets

function test_a_sliced_table_arrives_as_a_table_without_its_key_columns(testCase)
scifor.set_schema({'subject', 'session', 'trial'});
results = scifor.for_each(@peak_table_columns, struct('trials', trials()), ...
                          'subject', 1, 'session', {'pre'});
verifyEqual(testCase, results.result{1}, {'trial', 'peak', 'quality'});
with_keys = scifor.for_each(@peak_table_columns, struct('trials', trials()), ...
                            'subject', 1, 'session', {'pre'}, 'as_table', true);
verifyEqual(testCase, with_keys.result{1}, {'subject', 'session', 'trial', 'peak', 'quality'});
end

function test_constants_of_any_class_are_passed_from_matlab(testCase)
scifor.set_schema({'subject', 'session'});
config = struct('scale', [1 2 3], 'fn', @(x) 2 * x);   % no key column: a constant
results = scifor.for_each(@apply_config, ...
                          struct('signal', signals(), 'config', config, 'offset', @(x) x + 1), ...
                          'subject', 1, 'session', 'pre');
verifyEqual(testCase, results.result{1}, 2 * signals_first() + 1 + 6);
end

function test_a_function_without_outputs_runs(testCase)
scifor.set_schema({'subject', 'session'});
results = scifor.for_each(@returns_nothing, struct('signal', signals()), ...
                          'subject', [1 2], 'session', 'pre');
verifyEqual(testCase, height_of(results), 2);
end

% ------------------------------------------------------------------ outputs

function test_output_names_give_one_column_each(testCase)
scifor.set_schema({'subject', 'session', 'trial'});
results = scifor.for_each(@min_max, struct('trials', trials()), ...
                          'subject', [1 2], 'session', {'pre'}, ...
                          'output_names', {'lo', 'hi'});
verifyEqual(testCase, column_names(results), {'subject', 'session', 'lo', 'hi'});
verifyEqual(testCase, results.lo, [11; 21]);
verifyEqual(testCase, results.hi, [13; 23]);
end

function test_distribute_numbers_rows_in_the_next_key(testCase)
scifor.set_schema({'subject', 'session', 'trial'});
results = scifor.for_each(@per_trial, struct('trials', trials()), ...
                          'subject', 1, 'session', {'pre', 'post'}, 'distribute', true);
verifyEqual(testCase, column_names(results), {'subject', 'session', 'trial', 'result'});
verifyEqual(testCase, double(results.trial), [1; 2; 3; 1; 2; 3]);
verifyEqual(testCase, results.result, 2 * [11; 12; 13; 16; 17; 18]);
end

function test_returned_tables_are_stacked(testCase)
scifor.set_schema({'subject', 'session', 'trial'});
results = scifor.for_each(@summary_table, struct('trials', trials()), ...
                          'subject', [1 2], 'session', {'pre'});
verifyEqual(testCase, column_names(results), {'subject', 'session', 'stat', 'peak'});
verifyEqual(testCase, results.stat, {'min'; 'max'; 'min'; 'max'});
verifyEqual(testCase, results.peak, [11; 13; 21; 23]);
verifyEqual(testCase, results.subject, [1; 1; 2; 2]);
end

% ------------------------------------------------------------------ errors and dry runs

function test_function_errors_are_recorded_and_the_run_goes_on(testCase)
scifor.set_schema({'subject', 'session'});
[results, report] = scifor.for_each(@fragile, struct('signal', signals()), ...
                                    'subject', [1 2 3], 'session', {'pre', 'post'});
verifyEqual(testCase, results.subject, [1; 1; 3]);
verifySize(testCase, report.errors, [2 1]);
first = report.errors(1);
verifyEqual(testCase, first.combo, struct('subject', 2, 'session', 'pre'));
verifyEqual(testCase, first.stage, 'function');
verifyEqual(testCase, first.error_type, 'test:noisy');
verifyEqual(testCase, first.message, 'too noisy');
verifyTrue(testCase, ~isempty(strfind(first.traceback, 'fragile')), first.traceback);
end

function test_on_error_raise_rethrows_the_error_unchanged(testCase)
scifor.set_schema({'subject', 'session'});
calls = containers.Map({'n'}, {0});
counted = @(signal) count_then_fail(signal, calls);
verifyError(testCase, @() scifor.for_each(counted, struct('signal', signals()), ...
                                          'subject', [1 2 3], 'session', 'pre', ...
                                          'on_error', 'raise'), 'test:noisy');
verifyEqual(testCase, calls('n'), 2);   % subject 1 ran, subject 2 failed, 3 never ran
% the run is gone from the engine: the next for_each is unaffected
results = scifor.for_each(@bandpass_filter, struct('signal', signals(), 'low_hz', 1), ...
                          'subject', 1, 'session', 'pre');
verifyEqual(testCase, height_of(results), 1);
end

function test_output_problems_are_recorded_as_errors(testCase)
scifor.set_schema({'subject', 'session', 'trial'});
% two names, one output: MATLAB's call itself fails
[results, report] = scifor.for_each(@per_trial, struct('trials', trials()), ...
                                    'subject', 1, 'session', {'pre'}, ...
                                    'output_names', {'a', 'b'});
verifyEqual(testCase, height_of(results), 0);
verifyEqual(testCase, report.errors(1).stage, 'function');
% an output that has no portable form
[results, report] = scifor.for_each(@returns_handle, struct('trials', trials()), ...
                                    'subject', 1, 'session', {'pre'});
verifyEqual(testCase, height_of(results), 0);
verifyEqual(testCase, report.errors(1).stage, 'outputs');
verifyEqual(testCase, report.errors(1).error_type, 'scistack:value:unsupported');
% nothing to distribute: the engine's output check
[~, report] = scifor.for_each(@(trials) 'text', struct('trials', trials()), ...
                              'subject', 1, 'session', {'pre'}, 'distribute', true);
verifyEqual(testCase, report.errors(1).stage, 'outputs');
verifyEqual(testCase, report.errors(1).error_type, 'OutputError');
verifyError(testCase, @() scifor.for_each(@(trials) 'text', struct('trials', trials()), ...
                                          'subject', 1, 'session', {'pre'}, ...
                                          'distribute', true, 'on_error', 'raise'), ...
            'scistack:scifor:output');
end

function test_dry_run_calls_nothing_and_lists_every_combination(testCase)
scifor.set_schema({'subject', 'session'});
[plan, report] = scifor.for_each(@must_not_run, struct('signal', signals()), ...
                                 'subject', [1 2 3 4], 'session', {'pre', 'post'}, ...
                                 'dry_run', true);
verifyEqual(testCase, column_names(plan), ...
            {'subject', 'session', 'rows_signal', 'status', 'reason'});
verifyEqual(testCase, plan.status, {'run'; 'run'; 'run'; 'run'; 'run'; 'skip'; 'skip'; 'skip'});
verifyEqual(testCase, double(plan.rows_signal), [1; 1; 1; 1; 1; 0; 0; 0]);
verifyEqual(testCase, plan.reason{6}, 'input ''signal'' has no rows');
verifyTrue(testCase, report.summary.dry_run);
end

% ------------------------------------------------------------------ arguments and batches

function test_bad_arguments_are_refused_before_running(testCase)
scifor.set_schema({'subject', 'session'});
inputs = struct('signal', signals());
verifyError(testCase, @() scifor.for_each(@must_not_run, inputs, 'subject'), ...
            'scistack:scifor:badArguments');
verifyError(testCase, @() scifor.for_each(@must_not_run, {1}, 'subject', 1), ...
            'scistack:scifor:badArguments');
verifyError(testCase, @() scifor.for_each(@must_not_run, inputs, 'subjetc', 1), ...
            'scistack:scifor:schema');
verifyError(testCase, @() scifor.for_each(@must_not_run, inputs, 'subject', 1, ...
                                          'subject', 2), 'scistack:scifor:badArguments');
verifyError(testCase, @() scifor.for_each(@must_not_run, inputs, 'subject', 1, ...
                                          'on_error', 'maybe'), 'scistack:scifor:input');
verifyError(testCase, @() scifor.for_each(@must_not_run, inputs, 'subject', 1, ...
                                          'as_table', {'nothere'}), 'scistack:scifor:input');
verifyError(testCase, @() scifor.for_each(42, inputs, 'subject', 1), ...
            'scistack:scifor:badArguments');
end

function test_a_function_name_works_like_a_handle(testCase)
scifor.set_schema({'subject', 'session'});
results = scifor.for_each('max', struct('signal', signals(), 'low_hz', 2.5), ...
                          'subject', 1, 'session', 'pre');
verifyEqual(testCase, results.result{1}, [2.5; 2.5; 3; 4]);
end

function test_many_combinations_run_in_few_batches(testCase)
scifor.set_schema({'subject'});
n = 250;
data = struct('subject', (1:n)', 'x', (1:n)' * 10);
results = scifor.for_each(@(x) x + 1, struct('x', data), 'subject', 1:n, 'progress', false);
verifyEqual(testCase, results.subject, (1:n)');
verifyEqual(testCase, results.result, (1:n)' * 10 + 1);
end

% ------------------------------------------------------------------ data

function raw = signals()
% One signal per subject/session; subject 3 has no 'post'.
raw = struct('subject', [1; 1; 2; 2; 3], ...
             'session', {{'pre'; 'post'; 'pre'; 'post'; 'pre'}});
raw.signal = {signals_first(); (1:4)' + 1; (1:4)' + 20; (1:4)' + 21; (1:4)' + 30};
end

function x = signals_first()
x = (1:4)';
end

function t = trials()
% subject x session x trial; peak = 10*subject + trial (+5 after); trial 2 is bad.
[trial, session_number, subject] = ndgrid(1:3, 1:2, 1:2);
sessions = {'pre', 'post'};
t = struct('subject', subject(:), 'session', {reshape(sessions(session_number(:)), [], 1)}, ...
           'trial', trial(:));
t.peak = 10 * subject(:) + trial(:) + 5 * (session_number(:) == 2);
quality = repmat({'good'}, 12, 1);
quality(trial(:) == 2) = {'bad'};
t.quality = quality;
end

function names = column_names(t)
if isstruct(t)
    names = reshape(fieldnames(t), 1, []);
else
    names = t.Properties.VariableNames;
end
end

function n = height_of(t)
names = column_names(t);
n = size(t.(names{1}), 1);
end

% ------------------------------------------------------------------ functions to run

function y = bandpass_filter(signal, low_hz)
y = (signal - mean(signal)) / low_hz;
end

function names = peak_table_columns(trials)
names = column_names(trials);
end

function y = apply_config(signal, config, offset)
y = offset(config.fn(signal)) + sum(config.scale);
end

function returns_nothing(signal) %#ok<INUSD>
end

function [lo, hi] = min_max(trials)
lo = min(trials.peak);
hi = max(trials.peak);
end

function y = per_trial(trials)
y = 2 * reshape(trials.peak, 1, []);   % a row: one item per trial
end

function t = summary_table(trials)
t = scifor.Table(struct('stat', {{'min'; 'max'}}, ...
                        'peak', [min(trials.peak); max(trials.peak)]));
end

function y = fragile(signal)
if signal(1) > 15 && signal(1) < 25
    error('test:noisy', 'too noisy');
end
y = mean(signal);
end

function y = count_then_fail(signal, calls)
calls('n') = calls('n') + 1;
y = fragile(signal);
end

function h = returns_handle(trials) %#ok<INUSD>
h = @sin;
end

function y = must_not_run(varargin) %#ok<STOUT>
error('test:called', 'the function must not be called');
end
