function tests = test_scilineage_examples
%TEST_SCILINEAGE_EXAMPLES  scilineage as MATLAB users write it: name=value, strings, py.
%   The product description's lineage example exactly as written (name=value syntax,
%   double-quoted strings), Thunk options given as name=value, and the fingerprint of
%   a function in MATLAB, whose func2str prints anonymous functions without blanks.
%   MATLAB only (R2022b or later, with the engine set up by scistack.setup); elsewhere
%   this file is parse-checked with mh_lint. Run with runtests('test_scilineage_examples').
tests = functiontests(localfunctions);
end

function setupOnce(testCase)
testCase.TestData.info = scistack.setup();
testCase.TestData.helpers = fullfile(fileparts(fileparts(mfilename('fullpath'))), ...
                                     'helpers_lineage');
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
global LINEAGE_TEST_CALLS
LINEAGE_TEST_CALLS = 0;
end

function teardown(testCase)
cd(testCase.TestData.home);
rmdir(testCase.TestData.folder, 's');
end

% ------------------------------------------------------------------ the product example

function test_product_example_as_written(testCase)
global LINEAGE_TEST_CALLS
db = scihist.configure_database("experiment.duckdb", ["subject", "session"]);
LineageRaw().save(randn(1000, 1), subject=1, session="pre");

filter_fn = scidb.Thunk(@lineage_filter);
raw = LineageRaw().load(subject=1, session="pre");
filtered = filter_fn(raw, 20, 450);
LineageFiltered().save(filtered, subject=1, session="pre");

p = scilineage.provenance(LineageFiltered(), subject=1, session="pre");
verifyEqual(testCase, p.function_name, 'lineage_filter');
verifyEqual(testCase, p.constants, struct('low_hz', 20, 'high_hz', 450));
again = filter_fn(raw, 20, 450);
verifyEqual(testCase, again.data, filtered.data);
verifyEqual(testCase, LINEAGE_TEST_CALLS, 1);
db.close();
end

function test_options_as_name_value(testCase)
min_max = scilineage.Thunk(@lineage_min_max, n_outputs=2);
[low, high] = min_max([3 1 2]);
verifyEqual(testCase, [low.data, high.data], [1, 3]);
[low, high] = recompute(min_max, [3 1 2]);
verifyEqual(testCase, [low.output_index, high.output_index], [0, 1]);
versioned = scilineage.Thunk(@lineage_filter, version="v2");
verifyEqual(testCase, versioned.version, 'v2');
end

function test_string_arguments_are_constants(testCase)
label = scilineage.Thunk(@(name, n) repmat(name, 1, n));
r = label("pre", 2);
verifyEqual(testCase, r.data, ["pre", "pre"]);
verifyEqual(testCase, r.lineage.constants.name.value, "pre");
end

function test_anonymous_text_of_matlab(testCase)
k = 2;
fh = @(x) max(x, [], k);
sig = scistack.internal.fingerprint(fh, 'thunk_options', struct());
verifyEqual(testCase, sig.name, '@(x)max(x,[],k)');
verifyEqual(testCase, numel(scistack.internal.fingerprint(fh)), 64);
end
