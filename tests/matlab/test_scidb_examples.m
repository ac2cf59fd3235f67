function tests = test_scidb_examples
%TEST_SCIDB_EXAMPLES  The product description's MATLAB examples, with name/value pairs.
%   The examples as MATLAB users write them (name=value syntax, string arrays, tables)
%   are in matlab_only/test_scidb_examples.m; here the same code is written with
%   'name', value pairs and cell arrays, which GNU Octave runs too. Each example runs in
%   a temporary folder, so 'experiment.duckdb' is a fresh file. Needs the engine
%   (SCISTACK_PYTHON). Run with run_tests('test_scidb_examples').
tests = functiontests(localfunctions);
end

function setupOnce(testCase)
here = fileparts(mfilename('fullpath'));
testCase.TestData.paths = {fullfile(here, 'helpers_scidb'), ...
                           fullfile(here, 'helpers_scidb', 'examples')};
addpath(testCase.TestData.paths{:});
end

function teardownOnce(testCase)
rmpath(testCase.TestData.paths{:});
end

function setup(testCase)
testCase.TestData.home = pwd;
testCase.TestData.folder = tempname();
mkdir(testCase.TestData.folder);
cd(testCase.TestData.folder);
end

function teardown(testCase)
cd(testCase.TestData.home);
try
    db = scidb.get_database();
    db.close();
catch
    % no database left open
end
rmdir(testCase.TestData.folder, 's');
end

% ----------------------------------------------------------------- layer 2: scidb

function test_configure_save_and_load(testCase)
scidb.configure_database('experiment.duckdb', {'subject', 'session'});
signal = randn(1000, 1);
RawEMG().save(signal, 'subject', 1, 'session', 'pre');
raw = RawEMG().load('subject', 1, 'session', 'pre');
verifyEqual(testCase, raw.data, signal);
verifyEqual(testCase, size(raw.data), [1000 1]);
verifyTrue(testCase, exist(fullfile(testCase.TestData.folder, 'experiment.duckdb'), ...
                           'file') == 2);
end

function test_for_each_loads_runs_and_saves(testCase)
scidb.configure_database('experiment.duckdb', {'subject', 'session'});
seed_raw_emg([1 2 3], {'pre', 'post'});
scidb.for_each(@bandpass_filter, struct('signal', RawEMG(), 'low_hz', 20), ...
               {FilteredEMG()}, 'subject', [1 2 3], 'session', {'pre', 'post'});
filtered = FilteredEMG().load('subject', 2, 'session', 'post');
raw = RawEMG().load('subject', 2, 'session', 'post');
verifyEqual(testCase, filtered.data, bandpass_filter(raw.data, 20), 'AbsTol', 1e-12);
end

function test_missing_subjects_are_skipped_gracefully(testCase)
scidb.configure_database('experiment.duckdb', {'subject', 'session'});
seed_raw_emg([1 2 3 4 5], {'baseline', 'post'});
r = scidb.for_each(@bandpass_filter, struct('signal', RawEMG(), 'low_hz', 20), ...
                   {FilteredEMG()}, 'subject', 1:10, 'session', {'baseline', 'post'});
verifyEqual(testCase, sum(strcmp(r.status, 'done')), 10);
verifyEqual(testCase, sum(strcmp(r.status, 'skipped')), 10);
end

function test_fixed_baseline(testCase)
scidb.configure_database('experiment.duckdb', {'subject', 'session'});
seed_raw_emg(1:5, {'baseline', 'post_1', 'post_2', 'post_3'});
scidb.for_each(@compare_to_baseline, ...
               struct('baseline', scidb.Fixed(RawEMG(), 'session', 'baseline'), ...
                      'current', RawEMG()), ...
               {Delta()}, 'subject', [1 2 3 4 5], 'session', {'post_1', 'post_2', 'post_3'});
delta = Delta().load('subject', 4, 'session', 'post_2');
baseline = RawEMG().load('subject', 4, 'session', 'baseline');
current = RawEMG().load('subject', 4, 'session', 'post_2');
verifyEqual(testCase, delta.data, mean(current.data) - mean(baseline.data), 'AbsTol', 1e-12);
end

function test_querying(testCase)
scidb.configure_database('experiment.duckdb', {'subject', 'session'});
seed_raw_emg([1 2 3], {'baseline', 'post'});
scidb.for_each(@bandpass_filter, struct('signal', RawEMG(), 'low_hz', 20), ...
               {FilteredEMG()}, 'subject', [1 2 3], 'session', {'baseline', 'post'});
scidb.for_each(@max_activation, struct('signal', RawEMG()), {MaxActivation()}, ...
               'subject', [1 2 3], 'session', {'baseline', 'post'});
emg = FilteredEMG().load('subject', 3, 'session', 'post');
verifyEqual(testCase, emg.metadata.session, 'post');
all_sessions = FilteredEMG().load('subject', 3);
verifyEqual(testCase, numel(all_sessions), 2);
for k = 1:numel(all_sessions)
    verifyEqual(testCase, size(all_sessions{k}.data), [100 1]);
end
df = MaxActivation().load_all();
verifyEqual(testCase, numel(df.data), 6);
verifyClass(testCase, df.data, 'double');
verifyEqual(testCase, unique(df.subject), [1; 2; 3]);
end

% ----------------------------------------------------------------- lineage and scihist

function test_thunk_with_a_database(testCase)
assumeTrue(testCase, ~isempty(meta.class.fromName('scilineage.Thunk')), ...
           'scilineage.Thunk is missing');
db = scihist.configure_database('experiment.duckdb', {'subject', 'session'});
seed_raw_emg(1, {'pre'});
filter_fn = scidb.Thunk(@bandpass_filter);
raw = RawEMG().load('subject', 1, 'session', 'pre');
filtered = filter_fn(raw, 20, 450);
FilteredEMG().save(filtered, 'subject', 1, 'session', 'pre');
provenance = db.provenance(FilteredEMG(), 'subject', 1, 'session', 'pre');
verifyEqual(testCase, provenance.function_name, 'bandpass_filter');
verifyEqual(testCase, provenance.constants, struct('low_hz', 20, 'high_hz', 450));
verifyEqual(testCase, provenance.inputs.signal.record_id, raw.record_id);
again = filter_fn(raw, 20, 450);
verifyEqual(testCase, again.data, filtered.data);
end

function test_complete_pipeline(testCase)
scihist.configure_database('gait_study.duckdb', {'subject', 'session', 'trial'});
for subject = 1:3
    for session = {'pre', 'post'}
        for trial = 1:5
            positions = cumsum(0.6 + 0.1 * rand(20, 1));
            RawKinematicData().save(positions, 'subject', subject, 'session', session{1}, ...
                                    'trial', trial);
        end
    end
end
r = scihist.for_each(@extract_step_length, struct('kinematic_data', RawKinematicData()), ...
                     {StepLength()}, 'subject', [1 2 3], 'session', {'pre', 'post'}, ...
                     'trial', [1 2 3 4 5]);
verifyEqual(testCase, sum(strcmp(r.status, 'done')), 30);
r = scihist.for_each(@compute_mean, struct('values', StepLength()), {MeanStepLength()}, ...
                     'subject', [1 2 3], 'session', {'pre', 'post'});
verifyEqual(testCase, r.status, repmat({'done'}, 6, 1));
df = MeanStepLength().load_all();
verifyEqual(testCase, numel(df.data), 6);
verifyTrue(testCase, all(df.data > 0.6 & df.data < 0.7));
pre = mean(df.data(strcmp(df.session, 'pre')));
verifyTrue(testCase, pre > 0.6 && pre < 0.7);
again = scihist.for_each(@extract_step_length, struct('kinematic_data', RawKinematicData()), ...
                         {StepLength()}, 'subject', [1 2 3], 'session', {'pre', 'post'}, ...
                         'trial', [1 2 3 4 5]);
verifyEqual(testCase, again.status, repmat({'cached'}, 30, 1));
end

% ----------------------------------------------------------------- helpers

function seed_raw_emg(subjects, sessions)
for subject = subjects
    for k = 1:numel(sessions)
        RawEMG().save(randn(100, 1), 'subject', subject, 'session', sessions{k});
    end
end
end
