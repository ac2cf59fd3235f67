function tests = test_scilineage_thunk
%TEST_SCILINEAGE_THUNK  scilineage.Thunk without a database: lineage, caching, invalidation.
%   The test functions (helpers_lineage/) count their calls in the global
%   LINEAGE_TEST_CALLS, so a test tells a cache hit (no call) from a run. Outputs are
%   cached by the engine for the whole session, so every test uses inputs or function
%   files of its own. Needs the engine (SCISTACK_PYTHON).
%   Run with run_tests('test_scilineage_thunk').
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
testCase.TestData.folder = lineage_temp_folder();
reset_calls();
end

function teardown(testCase)
lineage_remove_folder(testCase.TestData.folder);
end

% ----------------------------------------------------------------- calls and the cache

function test_a_call_returns_a_lineage_result(testCase)
filter_fn = scilineage.Thunk(@lineage_filter);
signal = fresh_signal();
r = filter_fn(signal, 20, 450);
verifyClass(testCase, r, 'scilineage.LineageResult');
verifyEqual(testCase, r.data, lineage_filter(signal, 20, 450));
reset_calls();
verifyEqual(testCase, r.output_index, 0);
verifyEqual(testCase, sort(properties(r)), sort({'data'; 'lineage'; 'output_index'}));
lineage = r.lineage;
verifyEqual(testCase, lineage.function_name, 'lineage_filter');
verifyEqual(testCase, lineage.language, 'matlab');
verifyEqual(testCase, lineage.n_outputs, 1);
verifyEqual(testCase, lineage.fingerprint, scistack.internal.fingerprint(@lineage_filter));
verifyEqual(testCase, fieldnames(lineage.constants), {'signal'; 'low_hz'; 'high_hz'});
verifyEqual(testCase, lineage.constants.low_hz.value, 20);
verifyEqual(testCase, lineage.constants.high_hz.value, 450);
verifyEqual(testCase, lineage.constants.low_hz.content_hash, ...
            scistack.internal.engine_call('hash', 'value', 20));
verifyEqual(testCase, lineage.cache_key, filter_fn.cache_key(signal, 20, 450));
end

function test_a_second_call_does_not_run_the_function(testCase)
filter_fn = scilineage.Thunk(@lineage_filter);
signal = fresh_signal();
first = filter_fn(signal, 20, 450);
verifyEqual(testCase, calls(), 1);
second = filter_fn(signal, 20, 450);
verifyEqual(testCase, calls(), 1, 'a cache hit runs nothing');
verifyEqual(testCase, second.data, first.data);
verifyEqual(testCase, second.lineage, first.lineage);
again = scilineage.Thunk(@lineage_filter);
again(signal, 20, 450);
verifyEqual(testCase, calls(), 1, 'another Thunk of the same function shares the cache');
end

function test_another_constant_or_input_is_a_miss(testCase)
filter_fn = scilineage.Thunk(@lineage_filter);
signal = fresh_signal();
filter_fn(signal, 20, 450);
filter_fn(signal, 30, 450);
verifyEqual(testCase, calls(), 2);
filter_fn(signal * 2, 20, 450);
verifyEqual(testCase, calls(), 3);
filter_fn(single(signal), 20, 450);
verifyEqual(testCase, calls(), 4, 'another class is another value');
filter_fn(signal, 20, 450);
verifyEqual(testCase, calls(), 4);
end

function test_recompute_runs_again(testCase)
filter_fn = scilineage.Thunk(@lineage_filter);
signal = fresh_signal();
first = filter_fn(signal, 20, 450);
second = filter_fn.recompute(signal, 20, 450);
verifyEqual(testCase, calls(), 2);
verifyEqual(testCase, second.data, first.data);
recompute(filter_fn, signal, 20, 450);
verifyEqual(testCase, calls(), 3);
filter_fn(signal, 20, 450);
verifyEqual(testCase, calls(), 3);
end

function test_several_outputs_in_declaration_order_fresh_and_cached(testCase)
min_max = scilineage.Thunk(@lineage_min_max, 'n_outputs', 3);
x = fresh_signal();
[low, high, spread] = min_max(x);
verifyEqual(testCase, calls(), 1);
verifyEqual(testCase, {low.data, high.data}, {min(x), max(x)});
verifyEqual(testCase, [low.output_index, high.output_index, spread.output_index], [0 1 2]);
verifyEqual(testCase, low.lineage, high.lineage);
[low2, high2, spread2] = min_max(x);
verifyEqual(testCase, calls(), 1, 'a cache hit runs nothing');
verifyEqual(testCase, {low2.data, high2.data}, {min(x), max(x)});
verifyEqual(testCase, [low2.output_index, high2.output_index, spread2.output_index], [0 1 2]);
verifyEqual(testCase, spread2.data, spread.data, 'a struct array comes back as one');
verifyEqual(testCase, size(spread2.data), [1 2]);
only_low = min_max(x);
verifyEqual(testCase, only_low.data, min(x));
verifyEqual(testCase, calls(), 1);
verifyError(testCase, @() too_many_outputs(scilineage.Thunk(@lineage_min_max), x), ...
            'scistack:lineage:outputCount');
end

function test_several_outputs_of_recompute_and_the_count_matlab_asks_for(testCase)
min_max = scilineage.Thunk(@lineage_min_max, 'n_outputs', 2);
x = fresh_signal();
[low, high] = min_max.recompute(x);
verifyEqual(testCase, {low.data, high.data}, {min(x), max(x)});
verifyEqual(testCase, calls(), 1);
% MATLAB asks numArgumentsFromSubscript how many results an indexing call gives
call = substruct('()', {x});
verifyEqual(testCase, numArgumentsFromSubscript(min_max, call, 'Statement'), 2);
verifyEqual(testCase, numArgumentsFromSubscript(min_max, call, 'Expression'), 1);
recompute_call = substruct('.', 'recompute', '()', {x});
verifyEqual(testCase, numArgumentsFromSubscript(min_max, recompute_call, 'Statement'), 2);
property = substruct('.', 'fingerprint');
verifyEqual(testCase, numArgumentsFromSubscript(min_max, property, 'Statement'), 1);
key_call = substruct('.', 'cache_key', '()', {x});
verifyEqual(testCase, numArgumentsFromSubscript(min_max, key_call, 'Statement'), 1);
end

function test_results_chain_as_upstream_inputs(testCase)
filter_fn = scilineage.Thunk(@lineage_filter);
gain = scilineage.Thunk(@lineage_gain);
signal = fresh_signal();
filtered = filter_fn(signal, 20, 450);
scaled = gain(filtered, 3);
verifyEqual(testCase, scaled.data, filtered.data * 3);
ref = scaled.lineage.inputs.x;
verifyEqual(testCase, ref.kind, 'upstream');
verifyEqual(testCase, ref.output_index, 0);
verifyEqual(testCase, ref.lineage, filtered.lineage);
verifyEqual(testCase, ref.content_hash, ...
            scistack.internal.engine_call('hash', 'value', filtered.data));
verifyEqual(testCase, scaled.lineage.constants.varargin_1.value, 3);
verifyEqual(testCase, calls(), 2);
gain(filtered, 3);
verifyEqual(testCase, calls(), 2);
gain(filtered.data, 3);
verifyEqual(testCase, calls(), 3, 'a plain value is a constant, not an input: another key');
chain = scilineage.provenance(scaled, 'chain', true);
verifyEqual(testCase, {chain.function_name}, {'lineage_gain', 'lineage_filter'});
verifyEqual(testCase, scilineage.provenance(scaled), scaled.lineage);
verifyError(testCase, @() scilineage.provenance(scaled, 'depth', 2), 'scistack:lineage:badOption');
verifyError(testCase, @() scilineage.provenance(scaled, 'chain'), 'scistack:arguments:unpaired');
end

function test_anonymous_functions_and_captured_values(testCase)
signal = fresh_signal();
factor = 2;
scaled = scilineage.Thunk(@(x) lineage_gain(x, factor));
scaled(signal);
scaled(signal);
verifyEqual(testCase, calls(), 1);
factor = 5;
rescaled = scilineage.Thunk(@(x) lineage_gain(x, factor));
r = rescaled(signal);
verifyEqual(testCase, calls(), 2, 'another captured value is another function');
verifyEqual(testCase, r.data, signal * 5);
verifyEqual(testCase, fieldnames(r.lineage.constants), {'x'});
end

function test_function_handles_as_arguments(testCase)
apply = scilineage.Thunk(@(how, x) how(x));
x = fresh_signal();
r = apply(@max, x);
verifyEqual(testCase, r.data, max(x));
verifyEqual(testCase, r.lineage.constants.how.value, 'max');
verifyEqual(testCase, r.lineage.constants.how.content_hash, scistack.internal.fingerprint(@max));
verifyNotEqual(testCase, apply.cache_key(@min, x), apply.cache_key(@max, x));
end

function test_argument_names(testCase)
gain = scilineage.Thunk(@lineage_gain);
r = gain(fresh_signal(), 2, 3);
verifyEqual(testCase, fieldnames(r.lineage.constants), {'x'; 'varargin_1'; 'varargin_2'});
builtin_fn = scilineage.Thunk(@max);
r = builtin_fn([3 1 2], [], 2);
verifyEqual(testCase, fieldnames(r.lineage.constants), {'arg1'; 'arg2'; 'arg3'});
verifyError(testCase, @() call_with(scilineage.Thunk(@lineage_filter), {1, 2, 3, 4}), ...
            'scistack:lineage:tooManyArguments');
end

% ----------------------------------------------------------------- invalidation

function test_editing_the_function_file_is_a_miss(testCase)
folder = testCase.TestData.folder;
name = unique_name('edit');
write_counting(folder, name, 'y = x + 1;');
fn = scilineage.Thunk(str2func(name));
first = fn(10);
fn(10);
verifyEqual(testCase, calls(), 1);
write_counting(folder, name, 'y = x + 2;');  % same size, likely the same second
second = fn(10);
verifyEqual(testCase, calls(), 2, 'an edit of the code is a miss');
verifyEqual(testCase, [first.data, second.data], [11, 12]);
write_counting(folder, name, 'y = x + 2;  % a comment', '% more comment');
fn(10);
verifyEqual(testCase, calls(), 2, 'a comment is still a hit');
end

function test_editing_a_helper_file_is_a_miss(testCase)
folder = testCase.TestData.folder;
[name, helper] = deal(unique_name('outer'), unique_name('helper'));
write_counting(folder, name, ['y = ', helper, '(x);']);
lineage_write(folder, helper, {['function y = ', helper, '(x)'], 'y = x * 2;', 'end'});
fn = scilineage.Thunk(str2func(name));
verifyEqual(testCase, fn(4).data, 8);
fn(4);
verifyEqual(testCase, calls(), 1);
lineage_write(folder, helper, {['function y = ', helper, '(x)'], 'y = x * 3;', 'end'});
verifyEqual(testCase, fn(4).data, 12);
verifyEqual(testCase, calls(), 2);
lineage_write(folder, helper, {['function y = ', helper, '(x)'], ...
                               '    % the same code, commented', 'y = x * 3;', 'end'});
fn(4);
verifyEqual(testCase, calls(), 2);
end

function test_a_declared_version_replaces_the_code(testCase)
folder = testCase.TestData.folder;
name = unique_name('versioned');
write_counting(folder, name, 'y = x + 1;');
fn = scilineage.Thunk(str2func(name), 'version', 'v1');
fn(1);
write_counting(folder, name, 'y = x + 5;');
r = fn(1);
verifyEqual(testCase, calls(), 1, 'the same version: edits keep the cache');
verifyEqual(testCase, r.data, 2);
v2 = scilineage.Thunk(str2func(name), 'version', 'v2');
r = v2(1);
verifyEqual(testCase, calls(), 2);
verifyEqual(testCase, r.data, 6);
verifyEqual(testCase, v2.version, 'v2');
verifyNotEqual(testCase, v2.fingerprint, fn.fingerprint);
end

% ----------------------------------------------------------------- errors and options

function test_arguments_without_a_content_hash_are_errors(testCase)
filter_fn = scilineage.Thunk(@lineage_filter);
verifyError(testCase, @() filter_fn(LineageOpaque(), 1, 2), ...
            'scistack:lineage:unhashableArgument');
try
    filter_fn(1, LineageOpaque(), 2);
    verifyFail(testCase, 'no error raised');
catch err
    verifyTrue(testCase, strncmp(err.message, ...
                                 'lineage_filter: argument ''low_hz'' has no content hash', 53), ...
               err.message);
end
verifyEqual(testCase, calls(), 0);
end

function test_outputs_that_cannot_be_cached_are_errors(testCase)
make = scilineage.Thunk(@(x) LineageOpaque());
verifyError(testCase, @() make(fresh_signal()), 'scistack:lineage:unstorableOutput');
try
    make(fresh_signal());
    verifyFail(testCase, 'no error raised');
catch err
    verifyTrue(testCase, strncmp(err.message, 'output 1 of @(x)LineageOpaque() cannot be', 41), ...
               err.message);
end
end

function test_a_thunk_shows_its_function_and_options(testCase)
shown = evalc('disp(scilineage.Thunk(@lineage_filter, ''n_outputs'', 2, ''version'', ''v2''))');
verifyEqual(testCase, strtrim(shown), ...
            'scilineage.Thunk of lineage_filter, n_outputs 2, version ''v2''');
verifyEqual(testCase, strtrim(evalc('disp(scilineage.Thunk())')), ...
            'scilineage.Thunk (no function)');
end

function test_options(testCase)
verifyError(testCase, @() scilineage.Thunk(@lineage_filter, 'n_outputs', 0), ...
            'scistack:lineage:badOption');
verifyError(testCase, @() scilineage.Thunk(@lineage_filter, 'colour', 'red'), ...
            'scistack:lineage:badOption');
verifyError(testCase, @() scilineage.Thunk(3), 'scistack:lineage:badArgument');
t = scilineage.Thunk('lineage_filter', 'N_OUTPUTS', 1);
verifyEqual(testCase, func2str(t.fn), 'lineage_filter');
alias = scidb.Thunk(@lineage_filter, 'n_outputs', 1);
verifyTrue(testCase, isa(alias, 'scilineage.Thunk'));
verifyEqual(testCase, alias.fingerprint, t.fingerprint);
end

function test_the_engine_rejects_a_lineage_that_does_not_match_its_key(testCase)
filter_fn = scilineage.Thunk(@lineage_filter);
r = filter_fn(fresh_signal(), 20, 450);
lineage = r.lineage;
lineage.constants.low_hz.content_hash = scistack.internal.engine_call('hash', 'value', 21);
request = struct('cache_key', lineage.cache_key, ...
                 'outputs', {{scistack.internal.wire_encode(r.data)}}, 'lineage', lineage);
verifyError(testCase, @() scistack.internal.engine_call('lineage_put', request), ...
            'scistack:lineage:badRecord');
end

% ----------------------------------------------------------------- helpers

function reset_calls()
global LINEAGE_TEST_CALLS
LINEAGE_TEST_CALLS = 0;
end

function n = calls()
global LINEAGE_TEST_CALLS
n = LINEAGE_TEST_CALLS;
end

function x = fresh_signal()
% Data no earlier call used: the engine's cache lasts the whole session.
x = rand(5, 1);
end

function name = unique_name(stem)
name = sprintf('lineage_tmp_%s_%d', stem, randi(1e9));
end

function write_counting(folder, name, varargin)
% A one-input function file whose body is VARARGIN and which counts its calls.
lineage_write(folder, name, [{['function y = ', name, '(x)'], 'global LINEAGE_TEST_CALLS', ...
                              'LINEAGE_TEST_CALLS = LINEAGE_TEST_CALLS + 1;'}, varargin, ...
                             {'end'}]);
end

function too_many_outputs(thunk, x)
[a, b] = thunk(x); %#ok<ASGLU>
end

function call_with(thunk, args)
thunk(args{:});
end
