function tests = test_scidb_examples
%TEST_SCIDB_EXAMPLES  The product description's scidb/scihist examples as MATLAB users write them.
%   name=value syntax, string arrays and tables: MATLAB R2022b or later only (GNU Octave
%   runs the same examples with 'name', value pairs in ../test_scidb_examples.m).
%   Run in MATLAB with runtests('test_scidb_examples') from this folder, after
%   scistack.setup.
tests = functiontests(localfunctions);
end

function setupOnce(testCase)
here = fileparts(mfilename('fullpath'));
testCase.TestData.paths = {fullfile(here, '..', 'helpers_scidb'), ...
                           fullfile(here, '..', 'helpers_scidb', 'examples')};
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
db = scidb.get_database();
db.close();
rmdir(testCase.TestData.folder, "s");
end

function test_configure_save_and_load(testCase)
scidb.configure_database("experiment.duckdb", ["subject", "session"]);
RawEMG().save(randn(1000, 1), subject=1, session="pre");
raw = RawEMG().load(subject=1, session="pre");
verifyEqual(testCase, size(raw.data), [1000 1]);
verifyEqual(testCase, raw.metadata.session, 'pre');
end

function test_for_each_with_string_arrays(testCase)
scidb.configure_database("experiment.duckdb", ["subject", "session"]);
for subject = 1:3
    for session = ["pre", "post"]
        RawEMG().save(randn(100, 1), subject=subject, session=session);
    end
end
results = scidb.for_each(@bandpass_filter, struct("signal", RawEMG(), "low_hz", 20), ...
                         {FilteredEMG()}, subject=[1, 2, 3], session=["pre", "post"]);
verifyClass(testCase, results, "table");
verifyEqual(testCase, height(results), 6);
verifyTrue(testCase, all(results.status == "done"));
baseline = scidb.for_each(@compare_to_baseline, ...
                          struct("baseline", scidb.Fixed(RawEMG(), session="pre"), ...
                                 "current", RawEMG()), ...
                          {Delta()}, subject=[1, 2, 3], session="post");
verifyEqual(testCase, height(baseline), 3);
left = scidb.for_each(@bandpass_filter, struct("signal", RawEMG(), "low_hz", 20), ...
                      {FilteredEMG()}, subject=[1, 2, 3], session="pre", ...
                      where=scidb.Sql("subject > 1"), dry_run=true);
verifyEqual(testCase, left.subject, [2; 3]);
end

function test_querying_returns_tables(testCase)
scidb.configure_database("experiment.duckdb", ["subject", "session"]);
for subject = 1:3
    for session = ["baseline", "post"]
        MaxActivation().save(rand(), subject=subject, session=session);
    end
end
df = MaxActivation().load_all();
verifyClass(testCase, df, "table");
verifyEqual(testCase, df.Properties.VariableNames, {'subject', 'session', 'data'});
means = groupsummary(df, "session", "mean", "data");
verifyEqual(testCase, height(means), 2);
all_sessions = MaxActivation().load(subject=3);
verifyEqual(testCase, numel(all_sessions), 2);
end

function test_thunk_and_provenance(testCase)
db = scihist.configure_database("experiment.duckdb", ["subject", "session"]);
RawEMG().save(randn(1000, 1), subject=1, session="pre");
filter_fn = scidb.Thunk(@bandpass_filter);
raw = RawEMG().load(subject=1, session="pre");
filtered = filter_fn(raw, 20, 450);
FilteredEMG().save(filtered, subject=1, session="pre");
provenance = db.provenance(FilteredEMG(), subject=1, session="pre");
verifyEqual(testCase, provenance.function_name, 'bandpass_filter');
verifyEqual(testCase, provenance.constants.low_hz, 20);
end

function test_matlab_classes_round_trip(testCase)
scidb.configure_database("experiment.duckdb", ["subject", "session"]);
values = {"a string", ["a", "b"; "c", missing], ...
          table([1; 2], ["x"; "y"], categorical(["lo"; "hi"]), ...
                VariableNames=["n", "label", "level"]), ...
          datetime(2024, 3, 1, 12, 30, 0, TimeZone="UTC"), seconds(90)};
for k = 1:numel(values)
    TypedValue().save(values{k}, subject=1, session="v" + k);
    back = TypedValue().load(subject=1, session="v" + k);
    verifyEqual(testCase, back.data, values{k});
end
end

function test_scihist_pipeline_skips_what_is_computed(testCase)
scihist.configure_database("gait_study.duckdb", ["subject", "session", "trial"]);
for subject = 1:3
    for session = ["pre", "post"]
        for trial = 1:5
            RawKinematicData().save(cumsum(0.6 + 0.1 * rand(20, 1)), subject=subject, ...
                                    session=session, trial=trial);
        end
    end
end
scihist.for_each(@extract_step_length, struct("kinematic_data", RawKinematicData()), ...
                 {StepLength()}, subject=[1, 2, 3], session=["pre", "post"], ...
                 trial=[1, 2, 3, 4, 5]);
again = scihist.for_each(@extract_step_length, ...
                         struct("kinematic_data", RawKinematicData()), {StepLength()}, ...
                         subject=[1, 2, 3], session=["pre", "post"], trial=[1, 2, 3, 4, 5]);
verifyTrue(testCase, all(again.status == "cached"));
scihist.for_each(@compute_mean, struct("values", StepLength()), {MeanStepLength()}, ...
                 subject=[1, 2, 3], session=["pre", "post"]);
df = MeanStepLength().load_all();
summary = groupsummary(df, "session", "mean", "data");
verifyEqual(testCase, height(summary), 2);
end
