function tests = test_scifor_inputs
%TEST_SCIFOR_INPUTS  scifor.Fixed, Select, Merge, Table and where filters (scifor.Col).
%   Tables are structs of columns, which both MATLAB and GNU Octave accept. Needs the
%   engine: scistack.setup() in setupOnce. Run with run_tests('test_scifor_inputs').
tests = functiontests(localfunctions);
end

function setupOnce(testCase)
testCase.TestData.info = scistack.setup();
end

% ------------------------------------------------------------------ Fixed, Select

function test_fixed_pins_a_key_whatever_the_combination(testCase)
scifor.set_schema({'subject', 'session', 'trial'});
data = trials();
results = scifor.for_each(@change, ...
                          struct('baseline', scifor.Select(scifor.Fixed(data, ...
                                                                        'session', 'pre'), ...
                                                           'peak'), ...
                                 'current', scifor.Select(data, 'peak')), ...
                          'subject', [1 2], 'session', {'post'});
verifyEqual(testCase, results.result, [5; 5]);
end

function test_fixed_and_select_nest_either_way(testCase)
scifor.set_schema({'subject', 'session', 'trial'});
data = trials();
a = scifor.for_each(@sum, struct('x', scifor.Fixed(scifor.Select(data, 'peak'), ...
                                                   'session', 'post')), ...
                    'subject', [1 2]);
b = scifor.for_each(@sum, struct('x', scifor.Select(scifor.Fixed(data, ...
                                                                 'session', 'post'), 'peak')), ...
                    'subject', [1 2]);
verifyEqual(testCase, a.result, [51; 81]);
verifyEqual(testCase, b.result, a.result);
end

function test_fixed_pins_must_be_columns(testCase)
scifor.set_schema({'subject', 'session', 'trial'});
bad = scifor.Fixed(trials(), 'visit', 1);
verifyError(testCase, @() scifor.for_each(@sum, struct('x', bad), 'subject', 1), ...
            'scistack:scifor:input');
verifyError(testCase, @() scifor.Fixed(trials()), 'scistack:scifor:badArguments');
verifyError(testCase, @() scifor.Fixed(trials(), 'session'), 'scistack:scifor:badArguments');
not_a_table = scifor.Fixed(3, 'session', 'pre');
verifyError(testCase, @() scifor.for_each(@sum, struct('x', not_a_table), 'subject', 1), ...
            'scistack:scifor:input');
end

function test_select_one_column_gives_its_values(testCase)
scifor.set_schema({'subject', 'session', 'trial'});
results = scifor.for_each(@(x) x, struct('x', scifor.Select(trials(), 'peak')), ...
                          'subject', 1, 'session', {'pre'});
verifyEqual(testCase, results.result{1}, [11; 12; 13]);
one = scifor.for_each(@(x) x, struct('x', scifor.Select(trials(), 'peak')), ...
                      'subject', 1, 'session', {'pre'}, 'trial', 2);
verifyEqual(testCase, one.result, 12);
end

function test_select_several_columns_gives_a_table(testCase)
scifor.set_schema({'subject', 'session', 'trial'});
results = scifor.for_each(@column_names, ...
                          struct('x', scifor.Select(trials(), {'quality', 'peak'})), ...
                          'subject', 1, 'session', {'pre'});
verifyEqual(testCase, results.result{1}, {'quality', 'peak'});
verifyError(testCase, @() scifor.for_each(@sum, ...
                                          struct('x', scifor.Select(trials(), 'nothere')), ...
                                          'subject', 1), 'scistack:scifor:input');
end

% ------------------------------------------------------------------ Merge

function test_merge_joins_parts_on_lower_keys_and_single_rows(testCase)
scifor.set_schema({'subject', 'session', 'trial'});
data = trials();
emg = struct('subject', data.subject, 'session', {data.session}, 'trial', data.trial, ...
             'rms', data.peak / 10);
body = struct('subject', [1; 2], 'mass_kg', [70; 82]);
results = scifor.for_each(@scaled, ...
                          struct('x', scifor.Merge(scifor.Select(data, 'peak'), emg, body)), ...
                          'subject', [1 2], 'session', {'pre'});
peaks1 = [11; 12; 13];
peaks2 = [21; 22; 23];
verifyEqual(testCase, results.result, [sum(peaks1 .* peaks1 / 10) / 70; ...
                                       sum(peaks2 .* peaks2 / 10) / 82], 'AbsTol', 1e-12);
clash = scifor.Merge(data, data);
verifyError(testCase, @() scifor.for_each(@scaled, struct('x', clash), 'subject', 1), ...
            'scistack:scifor:input');
verifyError(testCase, @() scifor.for_each(@scaled, struct('x', scifor.Merge(data)), ...
                                          'subject', 1), 'scistack:scifor:input');
end

% ------------------------------------------------------------------ where

function test_where_filters_rows_before_slicing(testCase)
scifor.set_schema({'subject', 'session', 'trial'});
good = (scifor.Col('quality') == 'good') & ~isin(scifor.Col('trial'), 3);
results = scifor.for_each(@mean_peak, struct('trials', trials()), ...
                          'subject', [1 2], 'session', {'pre', 'post'}, 'where', good);
verifyEqual(testCase, results.result, [11; 16; 21; 26]);
either = (scifor.Col('peak') > 20) | (scifor.Col('trial') <= 1);
results = scifor.for_each(@mean_peak, struct('trials', trials()), ...
                          'subject', [1 2], 'session', {'pre'}, 'where', either);
verifyEqual(testCase, results.result, [11; 22]);
mirrored = 12 >= scifor.Col('peak');
results = scifor.for_each(@mean_peak, struct('trials', trials()), ...
                          'subject', [1 2], 'session', {'pre'}, 'where', mirrored);
verifyEqual(testCase, results.subject, 1);
verifyEqual(testCase, results.result, 11.5);
end

function test_where_skips_name_the_filter(testCase)
scifor.set_schema({'subject', 'session', 'trial'});
[~, report] = scifor.for_each(@mean_peak, struct('trials', trials()), ...
                              'subject', [1 2], 'session', {'pre'}, ...
                              'where', scifor.Col('peak') > 20);
verifyEqual(testCase, report.skipped(1).reason, ...
            'input ''trials'' has no rows after the where= filter');
end

function test_where_with_missing_values(testCase)
scifor.set_schema({'subject'});
data = struct('subject', [1; 1; 2], 'x', [1; NaN; 3]);
present = scifor.for_each(@sum, struct('x', data), 'subject', [1 2], ...
                          'where', notna(scifor.Col('x')));
verifyEqual(testCase, present.result, [1; 3]);
missing = scifor.for_each(@numel, struct('x', data), 'subject', [1 2], ...
                          'where', isna(scifor.Col('x')));
verifyEqual(testCase, missing.subject, 1);
end

function test_where_errors_are_filter_errors(testCase)
scifor.set_schema({'subject', 'session', 'trial'});
inputs = struct('trials', trials());
verifyError(testCase, @() scifor.for_each(@mean_peak, inputs, 'subject', 1, ...
                                          'where', scifor.Col('nothere') > 1), ...
            'scistack:scifor:filter');
verifyError(testCase, @() scifor.for_each(@mean_peak, inputs, 'subject', 1, ...
                                          'where', scifor.Col('peak')), ...
            'scistack:scifor:filter');
verifyError(testCase, @() scifor.for_each(@mean_peak, inputs, 'subject', 1, 'where', 3), ...
            'scistack:scifor:filter');
verifyError(testCase, @() (scifor.Col('x') > 1) & true, 'scistack:scifor:filter');
verifyError(testCase, @() scifor.Col('x') & scifor.Col('y'), 'scistack:scifor:filter');
verifyError(testCase, @() scifor.Col('x') == scifor.Col('y'), 'scistack:scifor:filter');
verifyError(testCase, @() scifor.Col(3), 'scistack:scifor:filter');
end

function test_filters_are_trees_of_specs(testCase)
f = (scifor.Col('x') > 3) & ~(2 < scifor.Col('y')) | isin(scifor.Col('z'), {'a', 'b'});
verifyClass(testCase, f, 'scifor.Filter');
verifyEqual(testCase, f.Spec.op, '|');
verifyEqual(testCase, f.Spec.left.op, '&');
verifyEqual(testCase, f.Spec.left.left, struct('op', '>', 'column', 'x', 'value', 3));
verifyEqual(testCase, f.Spec.left.right.op, '~');
verifyEqual(testCase, f.Spec.left.right.inner, struct('op', '>', 'column', 'y', 'value', 2));
verifyEqual(testCase, f.Spec.right.values, {'a', 'b'});
g = scifor.Col('x') ~= 1;
verifyEqual(testCase, g.Spec.op, '!=');
end

% ------------------------------------------------------------------ Table

function test_structs_without_key_columns_are_constants_unless_marked(testCase)
scifor.set_schema({'subject', 'session', 'trial'});
body = struct('mass_kg', 72.5);
as_constant = scifor.for_each(@class_of, struct('b', body), 'subject', 1);
verifyEqual(testCase, as_constant.result{1}, 'struct');
as_table = scifor.for_each(@(b) b, struct('b', scifor.Table(body)), 'subject', [1 2]);
verifyEqual(testCase, as_table.result, [72.5; 72.5]);   % one row, one column: its value
end

function test_a_struct_with_a_key_column_is_a_table(testCase)
scifor.set_schema({'subject', 'session', 'trial'});
rows = struct('subject', [1 1 2], 'x', [10 20 30]);   % rows work as well as columns
results = scifor.for_each(@sum, struct('x', scifor.Select(rows, 'x')), 'subject', [1 2]);
verifyEqual(testCase, results.result, [30; 30]);
[~, report] = scifor.for_each(@numel, struct('x', rows), 'subject', [1 2 3]);
verifyEqual(testCase, report.skipped(1).combo.subject, 3);   % sliced: a table
end

function test_marked_tables_must_be_structs_of_columns(testCase)
scifor.set_schema({'subject', 'session', 'trial'});
bad = scifor.Table(struct('subject', [1; 2], 'x', [1; 2; 3]));
verifyError(testCase, @() scifor.for_each(@sum, struct('x', bad), 'subject', 1), ...
            'scistack:scifor:input');
verifyError(testCase, @() scifor.Table(3), 'scistack:scifor:badArguments');
end

% ------------------------------------------------------------------ data and functions

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

function y = change(baseline, current)
y = mean(current) - mean(baseline);
end

function y = scaled(x)
y = sum(x.peak .* x.rms ./ x.mass_kg);
end

function y = mean_peak(trials)
y = mean(trials.peak);
end

function c = class_of(x)
c = class(x);
end
