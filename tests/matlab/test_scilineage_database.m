function tests = test_scilineage_database
%TEST_SCILINEAGE_DATABASE  scilineage.Thunk with scidb: the product's example, provenance.
%   The product description's MATLAB lineage example, written with 'name', value pairs
%   (the name=value form is in matlab_only/test_scilineage_examples.m): load a variable,
%   call a Thunk on it, save the result with its lineage, ask for its provenance. Each
%   test opens a new database in a temporary folder. Needs the engine (SCISTACK_PYTHON).
%   Run with run_tests('test_scilineage_database').
tests = functiontests(localfunctions);
end

function setupOnce(testCase)
testCase.TestData.helpers = fullfile(fileparts(mfilename('fullpath')), 'helpers_lineage');
addpath(testCase.TestData.helpers);
end

function teardownOnce(testCase)
rmpath(testCase.TestData.helpers);
end

function setup(testCase)
testCase.TestData.home = pwd;
testCase.TestData.folder = tempname();
mkdir(testCase.TestData.folder);
cd(testCase.TestData.folder);
testCase.TestData.db = scidb.configure_database('experiment.duckdb', {'subject', 'session'});
reset_calls();
end

function teardown(testCase)
testCase.TestData.db.close();
cd(testCase.TestData.home);
if exist('OCTAVE_VERSION', 'builtin') > 0
    confirm_recursive_rmdir(false);
end
rmdir(testCase.TestData.folder, 's');
end

% ----------------------------------------------------------------- the product's example

function test_the_product_example(testCase)
LineageRaw().save(randn(1000, 1), 'subject', 1, 'session', 'pre');

filter_fn = scidb.Thunk(@lineage_filter);
raw = LineageRaw().load('subject', 1, 'session', 'pre');
filtered = filter_fn(raw, 20, 450);
LineageFiltered().save(filtered, 'subject', 1, 'session', 'pre');

verifyEqual(testCase, calls(), 1);
verifyEqual(testCase, filtered.data, lineage_filter(raw.data, 20, 450));
reset_calls();
signal = filtered.lineage.inputs.signal;
verifyEqual(testCase, signal.kind, 'record');
verifyEqual(testCase, signal.variable, 'LineageRaw');
verifyEqual(testCase, signal.record_id, raw.record_id);
verifyEqual(testCase, signal.content_hash, raw.content_hash);
verifyEqual(testCase, fieldnames(filtered.lineage.constants), {'low_hz'; 'high_hz'});

p = scilineage.provenance(LineageFiltered(), 'subject', 1, 'session', 'pre');
verifyEqual(testCase, p.function_name, 'lineage_filter');
verifyEqual(testCase, p.language, 'matlab');
verifyEqual(testCase, p.fingerprint, filter_fn.fingerprint);
verifyEqual(testCase, p.cache_key, filtered.lineage.cache_key);
verifyEqual(testCase, p.constants, struct('low_hz', 20, 'high_hz', 450));
verifyEqual(testCase, p.inputs.signal.record_id, raw.record_id);
verifyEqual(testCase, scilineage.provenance('LineageFiltered', 'subject', 1, ...
                                            'session', 'pre'), p);

again = filter_fn(raw, 20, 450);
verifyEqual(testCase, calls(), 0, 'the same call again: a cache hit');
verifyEqual(testCase, again.data, filtered.data);
loaded = LineageFiltered().load('subject', 1, 'session', 'pre', 'low_hz', 20);
verifyEqual(testCase, loaded.data, filtered.data, 'selected by its constant');
end

function test_identical_data_in_another_record_is_a_hit(testCase)
signal = randn(50, 1);
LineageRaw().save(signal, 'subject', 1, 'session', 'pre');
LineageRaw().save(signal, 'subject', 2, 'session', 'pre');
filter_fn = scilineage.Thunk(@lineage_filter);
first = filter_fn(LineageRaw().load('subject', 1, 'session', 'pre'), 20, 450);
other = LineageRaw().load('subject', 2, 'session', 'pre');
second = filter_fn(other, 20, 450);
verifyEqual(testCase, calls(), 1, 'content hashes, not record ids, make the key');
verifyEqual(testCase, second.lineage.cache_key, first.lineage.cache_key);
verifyEqual(testCase, second.lineage.inputs.signal.record_id, other.record_id, ...
            'the lineage names the record that was passed this time');
verifyNotEqual(testCase, second.lineage.inputs.signal.record_id, ...
               first.lineage.inputs.signal.record_id);
end

function test_a_saved_chain_has_its_provenance_upstream(testCase)
LineageRaw().save(randn(20, 1), 'subject', 1, 'session', 'post');
filter_fn = scilineage.Thunk(@lineage_filter);
gain = scilineage.Thunk(@lineage_gain);
raw = LineageRaw().load('subject', 1, 'session', 'post');
scaled = gain(filter_fn(raw, 20, 450), 10);
LineageFiltered().save(scaled, 'subject', 1, 'session', 'post');
chain = scilineage.provenance(LineageFiltered(), 'subject', 1, 'session', 'post', ...
                              'chain', true);
verifyEqual(testCase, numel(chain), 3);
verifyEqual(testCase, chain(1).function_name, 'lineage_gain');
verifyEqual(testCase, chain(2).function_name, 'lineage_filter', 'the unsaved middle step');
verifyEqual(testCase, chain(3).variable, 'LineageRaw');
verifyEqual(testCase, chain(3).record_id, raw.record_id);
end

function test_saved_outputs_of_several(testCase)
LineageRaw().save([4; 1; 9], 'subject', 3, 'session', 'pre');
raw = LineageRaw().load('subject', 3, 'session', 'pre');
min_max = scilineage.Thunk(@lineage_min_max, 'n_outputs', 3);
[low, high] = min_max(raw);
LineageFiltered().save(high, 'subject', 3, 'session', 'pre');
LineageRaw().save(low, 'subject', 3, 'session', 'post');
p = scilineage.provenance(LineageFiltered(), 'subject', 3, 'session', 'pre');
verifyEqual(testCase, p.function_name, 'lineage_min_max');
verifyEqual(testCase, LineageFiltered().load('subject', 3, 'session', 'pre').data, 9);
[low2, high2] = min_max(raw);
verifyEqual(testCase, calls(), 1);
verifyEqual(testCase, [low2.data, high2.data], [1, 9]);
end

% ----------------------------------------------------------------- helpers

function test_prune_drops_the_calls_no_saved_record_needs(testCase)
LineageRaw().save((1:20)', 'subject', 1, 'session', 'pre');
filter_fn = scidb.Thunk(@lineage_filter);
gain_fn = scilineage.Thunk(@lineage_gain);
raw = LineageRaw().load('subject', 1, 'session', 'pre');
filtered = filter_fn(raw, 20, 450);
LineageFiltered().save(gain_fn(filtered, 2), 'subject', 1, 'session', 'pre');
gain_fn(filtered, 5);  % named by no saved record
d = testCase.TestData.db.prune_lineage_cache();
verifyEqual(testCase, d.dropped_calls, 1);
verifyEqual(testCase, d.dropped_values, 1);
verifyTrue(testCase, d.freed_bytes > 0);
d = testCase.TestData.db.prune_lineage_cache();
verifyEqual(testCase, d.dropped_calls, 0, 'the saved record names the two other calls');
end

function reset_calls()
global LINEAGE_TEST_CALLS
LINEAGE_TEST_CALLS = 0;
end

function n = calls()
global LINEAGE_TEST_CALLS
n = LINEAGE_TEST_CALLS;
end
