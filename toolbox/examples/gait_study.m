function results = gait_study(path)
%GAIT_STUDY  The complete gait-study pipeline: heel trajectories, step lengths, their means.
%   gait_study() runs SciStack's example pipeline on the database file gait_study.duckdb
%   in the current folder; gait_study(PATH) uses the file PATH instead. It needs a
%   connected engine: run scistack.setup() once first.
%
%   The pipeline, the same as the Python example examples/gait_pipeline.py:
%     1. generates a heel-marker trajectory for 3 subjects x 2 sessions ('pre',
%        'post') x 5 trials and saves each as a RawKinematicData record;
%     2. scihist.for_each(@extract_step_length, ...) over subject x session x trial:
%        the distances between successive heel strikes, saved as StepLength;
%     3. scihist.for_each(@compute_mean, ...) over subject x session: the mean of all
%        the session's step lengths (each call receives the 5 trials' StepLength
%        values in a cell), saved as MeanStepLength;
%     4. analyses the results: the mean step length per session and each subject's
%        change from 'pre' to 'post', and asks how one result was produced.
%   Both steps record their lineage. Run it a second time and nothing is computed:
%   every combination is reported 'cached'. The generated data is the same on every
%   run (a fixed-seed generator, identical in MATLAB and GNU Octave), so saving it
%   again adds no versions.
%
%   RESULTS = gait_study(...) returns the MeanStepLength records: a table in MATLAB, a
%   struct of columns in GNU Octave (subject, session, data).
%
%   The step functions are local functions of this file. SciStack identifies a user
%   function's code by the text of its file, so in a copy of this file in your own
%   folder, an edit anywhere in the file runs both steps again (give each step function
%   a file of its own so that an edit re-runs only its step). This holds for this file
%   too: only the toolbox's packages (+scidb, +scihist, ...) count as library code.
%
%   Example:
%     scistack.setup();
%     results = gait_study(fullfile(tempdir(), 'gait_study.duckdb'));
%     results = gait_study(fullfile(tempdir(), 'gait_study.duckdb'));   % all cached
%
%   See also RawKinematicData, StepLength, MeanStepLength, scihist.for_each,
%   scilineage.provenance.

if nargin < 1
    path = 'gait_study.duckdb';
end
subjects = [1 2 3];
sessions = {'pre', 'post'};
trials = 1:5;

db = scihist.configure_database(path, {'subject', 'session', 'trial'});
generate_raw_data(subjects, sessions, trials);

steps = scihist.for_each(@extract_step_length, ...
                         struct('kinematic_data', RawKinematicData()), {StepLength()}, ...
                         'subject', subjects, 'session', sessions, 'trial', trials, ...
                         'progress', false);
means = scihist.for_each(@compute_mean, struct('values', StepLength()), ...
                         {MeanStepLength()}, 'subject', subjects, 'session', sessions, ...
                         'progress', false);
fprintf('extract_step_length: %s\n', status_counts(steps.status));
fprintf('compute_mean:        %s\n', status_counts(means.status));

results = MeanStepLength().load_all();
print_analysis(results, subjects, sessions);

p = MeanStepLength().provenance('subject', 1, 'session', 'post');
fprintf(['\nMeanStepLength(subject=1, session=''post'') was produced by %s ', ...
         'from %d StepLength records\n'], p.function_name, count_records(p.inputs.values));
db.close();
fprintf('\nThe SQL view of the results, for any DuckDB client (the file is closed now):\n');
fprintf('  duckdb -readonly %s "SELECT subject, session, value FROM MeanStepLength"\n', ...
        db.path);
end

% ------------------------------------------------------------------ the pipeline steps

function step_lengths = extract_step_length(kinematic_data)
% Step lengths (m) from a heel trajectory sampled at 100 Hz: the distances between
% successive heel strikes, a heel strike being the lowest forward position within
% 0.3 s on either side (which keeps measurement noise from making extra strikes).
heel_x = kinematic_data(:);
half_window = 30;
lowest = movmin(heel_x, 2 * half_window + 1);
inner = (half_window + 1:numel(heel_x) - half_window)';
strikes = inner(heel_x(inner) == lowest(inner));
if numel(strikes) > 1
    step_lengths = diff(heel_x(strikes));
else
    step_lengths = NaN;
end
end

function m = compute_mean(values)
% The mean of every step length of a session; VALUES holds one array per trial.
if ~iscell(values)
    values = {values};
end
all_steps = [];
for k = 1:numel(values)
    all_steps = [all_steps; values{k}(:)]; %#ok<AGROW>
end
m = double(mean(all_steps(~isnan(all_steps))));
end

% ------------------------------------------------------------------ the generated data

function generate_raw_data(subjects, sessions, trials)
% Forward progression plus a stride oscillation and measurement noise, per condition.
t = linspace(0, 10, 1000)';
state = 7;
for subject = subjects
    for s = 1:numel(sessions)
        stride = 0.6 + 0.05 * subject + 0.08 * strcmp(sessions{s}, 'post');
        for trial = trials
            [noise, state] = park_miller(state, numel(t));
            heel_x = stride * t + 0.25 * sin(2 * pi * t) + 0.003 * noise;
            RawKinematicData().save(heel_x, 'subject', subject, 'session', sessions{s}, ...
                                    'trial', trial);
        end
    end
end
end

function [noise, state] = park_miller(state, n)
% N values uniform in [-1, 1) from the Park-Miller generator: exact in double
% arithmetic, so MATLAB and GNU Octave produce the same numbers on every machine.
noise = zeros(n, 1);
for k = 1:n
    state = mod(16807 * state, 2147483647);
    noise(k) = 2 * state / 2147483647 - 1;
end
end

% ------------------------------------------------------------------ the analysis

function print_analysis(results, subjects, sessions)
% Mean step length per session, and each subject's change from the first session.
fprintf('\nMean step length by session (m):\n');
for s = 1:numel(sessions)
    in_session = strcmp(results.session, sessions{s});
    fprintf('  %-5s %.4f\n', sessions{s}, mean(results.data(in_session)));
end
fprintf('\nMean step length per subject (m):\n');
fprintf('  subject');
fprintf('  %7s', sessions{:});
fprintf('   change\n');
for subject = subjects
    values = zeros(1, numel(sessions));
    for s = 1:numel(sessions)
        row = results.subject == subject & strcmp(results.session, sessions{s});
        values(s) = results.data(row);
    end
    fprintf('  %7d', subject);
    fprintf('  %7.4f', values);
    fprintf('  %+7.4f\n', values(end) - values(1));
end
end

function text = status_counts(status)
% '30 done', '30 cached', '28 done, 2 skipped': how many combinations had each status.
labels = {'done', 'cached', 'skipped', 'failed'};
parts = {};
for k = 1:numel(labels)
    n = sum(strcmp(status, labels{k}));
    if n > 0
        parts{end + 1} = sprintf('%d %s', n, labels{k}); %#ok<AGROW>
    end
end
text = strjoin(parts, ', ');
end

function n = count_records(input)
% How many saved records an input of a provenance answer names (their ids are joined
% by commas when several records were passed together).
n = numel(strsplit(input.record_id, ','));
end
