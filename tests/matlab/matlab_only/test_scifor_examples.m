function tests = test_scifor_examples
%TEST_SCIFOR_EXAMPLES  scifor as MATLAB users write it: tables, string arrays, name=value.
%   The product description's MATLAB example exactly as written, and the other scifor
%   features with MATLAB tables. MATLAB only (R2022b or later, with the engine set up by
%   scistack.setup); elsewhere these files are parse-checked with mh_lint.
%   Run with runtests('test_scifor_examples').
tests = functiontests(localfunctions);
end

function setupOnce(testCase)
testCase.TestData.info = scistack.setup();
end

% ------------------------------------------------------------------ the product example

function test_product_example_as_written(testCase)
scifor.set_schema(["subject", "session"]);
raw_tbl = raw_table();
results = scifor.for_each(@bandpass_filter, ...
                          struct('signal', raw_tbl, 'low_hz', 20), ...
                          subject=[1, 2, 3], session=["pre", "post"]);
verifyClass(testCase, results, 'table');
verifyEqual(testCase, results.Properties.VariableNames, {'subject', 'session', 'result'});
verifyEqual(testCase, height(results), 5);
verifyEqual(testCase, results.subject, [1; 1; 2; 2; 3]);
verifyEqual(testCase, results.session, {'pre'; 'post'; 'pre'; 'post'; 'pre'});
verifyEqual(testCase, results.result{1}, bandpass_filter(raw_tbl.signal{1}, 20), ...
            'AbsTol', 1e-12);
end

function test_report_of_the_product_example(testCase)
scifor.set_schema(["subject", "session"]);
[~, report] = scifor.for_each(@bandpass_filter, struct('signal', raw_table(), 'low_hz', 20), ...
                              subject=[1, 2, 3], session=["pre", "post"]);
verifyEqual(testCase, report.skipped(1).combo.subject, 3);
verifyEqual(testCase, report.skipped(1).reason, 'input ''signal'' has no rows');
verifyEqual(testCase, report.summary.ran, 5);
end

% ------------------------------------------------------------------ inputs and options

function test_fixed_select_and_where_with_name_value_syntax(testCase)
scifor.set_schema(["subject", "session", "trial"]);
trials = trial_table();
delta = scifor.for_each(@(baseline, current) mean(current) - mean(baseline), ...
                        struct('baseline', scifor.Select(scifor.Fixed(trials, session="pre"), ...
                                                         "peak"), ...
                               'current', scifor.Select(trials, "peak")), ...
                        subject=[1, 2], session="post");
verifyEqual(testCase, delta.result, [5; 5]);
good = (scifor.Col("quality") == "good") & ~isin(scifor.Col("trial"), [3 4]);
peaks = scifor.for_each(@(t) mean(t.peak), struct('t', trials), ...
                        subject=[1, 2], session=["pre", "post"], where=good, ...
                        as_table=true);
verifyEqual(testCase, peaks.result, [11; 16; 21; 26]);
end

function test_merge_of_tables(testCase)
scifor.set_schema(["subject", "session", "trial"]);
trials = trial_table();
emg = trials(:, ["subject", "session", "trial"]);
emg.rms = trials.peak / 10;
body = table([1; 2], [70; 82], 'VariableNames', {'subject', 'mass_kg'});
res = scifor.for_each(@(x) sum(x.peak .* x.rms ./ x.mass_kg), ...
                      struct('x', scifor.Merge(scifor.Select(trials, "peak"), emg, body)), ...
                      subject=[1, 2], session="pre");
verifyEqual(testCase, height(res), 2);
end

function test_outputs_distribute_dry_run_and_errors(testCase)
scifor.set_schema(["subject", "session", "trial"]);
trials = trial_table();
ranges = scifor.for_each(@min_max, struct('trials', trials), ...
                         subject=[1, 2], session="pre", output_names=["lo", "hi"]);
verifyEqual(testCase, ranges.Properties.VariableNames, {'subject', 'session', 'lo', 'hi'});
rows = scifor.for_each(@(t) 2 * t.peak', struct('t', trials), ...
                       subject=1, session=["pre", "post"], distribute=true);
verifyEqual(testCase, double(rows.trial), [1; 2; 3; 1; 2; 3]);
plan = scifor.for_each(@min_max, struct('trials', trials), ...
                       subject=[1, 2, 3], session="pre", dry_run=true);
verifyEqual(testCase, plan.status, {'run'; 'run'; 'skip'});
verifyError(testCase, @() scifor.for_each(@(t) error('test:boom', 'boom'), ...
                                          struct('t', trials), subject=1, ...
                                          on_error="raise"), 'test:boom');
end

function test_returned_tables_are_stacked(testCase)
scifor.set_schema(["subject", "session", "trial"]);
res = scifor.for_each(@(t) table(["min"; "max"], [min(t.peak); max(t.peak)], ...
                                 'VariableNames', {'stat', 'peak'}), ...
                      struct('t', trial_table()), subject=[1, 2], session="pre");
verifyEqual(testCase, res.Properties.VariableNames, {'subject', 'session', 'stat', 'peak'});
verifyEqual(testCase, height(res), 4);
end

% ------------------------------------------------------------------ data and functions

function t = raw_table()
% One signal per subject/session; subject 3 has no "post".
subject = [1; 1; 2; 2; 3];
session = ["pre"; "post"; "pre"; "post"; "pre"];
signal = {randn(500, 1); randn(500, 1); randn(500, 1); randn(500, 1); randn(500, 1)};
t = table(subject, session, signal);
end

function t = trial_table()
[trial, session_number, subject] = ndgrid(1:3, 1:2, 1:2);
sessions = ["pre", "post"];
session = reshape(sessions(session_number(:)), [], 1);
peak = 10 * subject(:) + trial(:) + 5 * (session_number(:) == 2);
quality = repmat("good", 12, 1);
quality(trial(:) == 2) = "bad";
t = table(subject(:), session, trial(:), peak, quality, ...
          'VariableNames', {'subject', 'session', 'trial', 'peak', 'quality'});
end

function y = bandpass_filter(signal, low_hz)
y = (signal - mean(signal)) / low_hz;
end

function [lo, hi] = min_max(trials)
lo = min(trials.peak);
hi = max(trials.peak);
end
