function tests = test_engine_gateway
%TEST_ENGINE_GATEWAY  engine_call through the transport to the Python engine and back.
%   Needs the engine: scistack.setup() in setupOnce uses the Python named by the
%   environment variable SCISTACK_PYTHON (or the one saved by an earlier setup) and, in
%   GNU Octave, builds the MEX bridge when it is missing.
%   Run with run_tests('test_engine_gateway').
tests = functiontests(localfunctions);
end

function setupOnce(testCase)
testCase.TestData.info = scistack.setup();
end

% ----------------------------------------------------------------- basics

function test_ping_returns_the_engine_version(testCase)
version = scistack.internal.engine_call('ping');
verifyClass(testCase, version, 'char');
verifyTrue(testCase, ~isempty(regexp(version, '^\d+\.\d+', 'once')), version);
verifyEqual(testCase, scistack.version(), version);
verifyEqual(testCase, testCase.TestData.info.engine, version);
end

function test_operations_lists_the_basic_operations(testCase)
names = scistack.internal.engine_call('operations');
verifyClass(testCase, names, 'cell');
verifyTrue(testCase, all(ismember({'echo', 'hash', 'ping'}, names)));
end

function test_arguments_as_struct_or_pairs(testCase)
verifyEqual(testCase, scistack.internal.engine_call('echo', struct('value', 3)), 3);
verifyEqual(testCase, scistack.internal.engine_call('echo', 'value', {1, 'a'}), {1, 'a'});
end

% ----------------------------------------------------------------- round trips

function test_echo_round_trips_numeric_classes_and_shapes(testCase)
classes = {'double', 'single', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', ...
           'int64', 'uint64'};
shapes = {[1 1], [5 1], [1 5], [2 3], [2 3 4], [0 0], [0 3], [0 1]};
for c = 1:numel(classes)
    for s = 1:numel(shapes)
        value = cast(reshape(mod(0:prod(shapes{s}) - 1, 100), shapes{s}), classes{c});
        check_echo(testCase, value, sprintf('%s %s', classes{c}, mat2str(shapes{s})));
    end
end
end

function test_echo_round_trips_special_values(testCase)
check_echo(testCase, [NaN; Inf; -Inf; -0; realmax], 'double specials');
check_echo(testCase, [intmin('int64'); intmax('int64')], 'int64 limits');
check_echo(testCase, intmax('uint64'), 'uint64 max');
check_echo(testCase, true, 'true');
check_echo(testCase, [true; false], 'logical column');
check_echo(testCase, logical([1 0 1; 0 1 0]), 'logical matrix');
check_echo(testCase, complex(1.5, -2), 'complex scalar');
check_echo(testCase, complex(2, 0), 'complex with zero imaginary part');
check_echo(testCase, [1 + 2i; -3.5i], 'complex column');
check_echo(testCase, single([1 + 2i, 3]), 'complex single row');
check_echo(testCase, single(1 - 1i), 'complex single scalar');
end

function test_echo_round_trips_text_cells_and_structs(testCase)
check_echo(testCase, 'pre', 'char row');
check_echo(testCase, '', 'empty char');
check_echo(testCase, native2unicode(uint8([194 181 86 32 226 128 147 32 206 148]), ...
                                    'UTF-8'), 'non-ASCII text');
check_echo(testCase, {}, 'empty cell');
check_echo(testCase, {1, 'a', [1 2 3]}, 'cell row');
check_echo(testCase, {1; 'a'}, 'cell column');
check_echo(testCase, {1, {2, {'deep'}}}, 'nested cells');
check_echo(testCase, {1, 2; 3, 4}, 'cell matrix');
check_echo(testCase, struct('subject', 1, 'session', 'pre'), 'struct');
check_echo(testCase, struct(), 'struct without fields');
check_echo(testCase, struct('a', struct('b', {{1, 'x'}}), 'm', magic(3)), 'nested struct');
end

function test_echo_round_trips_maps_whose_keys_are_not_field_names(testCase)
m = containers.Map({'a b', 'c'}, {1, 'x'});
back = scistack.internal.engine_call('echo', 'value', m);
verifyClass(testCase, back, 'containers.Map');
verifyEqual(testCase, keys(back), {'a b', 'c'});
verifyEqual(testCase, values(back), {1, 'x'});
numbers = containers.Map({1, 2}, {'one', 'two'});
back = scistack.internal.engine_call('echo', 'value', numbers);
verifyEqual(testCase, keys(back), {1, 2});
end

function test_values_that_need_a_class_hint_come_back_in_their_python_form(testCase)
% Python reads the value beneath a MATLAB class hint and drops the hint, so a value
% that passes through Python values comes back as Python holds it.
echo = @(v) scistack.internal.engine_call('echo', 'value', v);
s = struct('a', {1, 2});
verifyEqual(testCase, echo(s), {struct('a', 1), struct('a', 2)}, 'struct array');
verifyEqual(testCase, echo(['ab'; 'cd']), {'a', 'b'; 'c', 'd'}, 'char matrix');
verifyEqual(testCase, echo(char(zeros(1, 0))), '', '1x0 char');
verifyEqual(testCase, echo(containers.Map({'x'}, {1})), struct('x', 1), 'Map of names');
end

% ----------------------------------------------------------------- hashes

function test_hash_of_a_column_equals_python_hash_of_a_1d_array(testCase)
% content_hash(numpy.array([1.0, 2.5, -3.0])) computed in Python
expected = '17baf67597ec22605e7aad67116d95dc399980b72b589a19f34fc5335061a27a';
verifyEqual(testCase, hash_of([1; 2.5; -3]), expected);
end

function test_hash_of_a_matrix_does_not_depend_on_memory_order(testCase)
% content_hash(numpy.array([[1.0, 2, 3], [4, 5, 6]])): C order in Python, F order here
expected = 'a94f7804f70400022304b14452d9b6239c59026cd1db0a7214639c4f3a61fb28';
verifyEqual(testCase, hash_of([1 2 3; 4 5 6]), expected);
% content_hash(numpy.arange(12, dtype=numpy.int32).reshape(2, 3, 2))
expected = '7c9e88a0f890fcf3dfe1d357b20d60873257311c1d9db568b3aa8691f720c76e';
verifyEqual(testCase, hash_of(int32(cat(3, [0 2 4; 6 8 10], [1 3 5; 7 9 11]))), expected);
end

function test_hash_tells_shapes_apart(testCase)
% content_hash(numpy.array([[1.0, 2.5, -3.0]])): a 1x3 row is (1, 3), not (3,)
expected = '1c3381fe7b67ec062e04acc5d0cf449e431cd5942995765aaa4a450018ed6f8b';
verifyEqual(testCase, hash_of([1 2.5 -3]), expected);
verifyNotEqual(testCase, hash_of([1 2.5 -3]), hash_of([1; 2.5; -3]));
verifyNotEqual(testCase, hash_of(1), hash_of(int64(1)));
verifyNotEqual(testCase, hash_of(1), hash_of(true));
end

function test_hash_ignores_field_order(testCase)
% content_hash({'a': 1.0, 'b': 2.0})
expected = '4873d0fdc0ebfa12ab3575a047f17aecaf6855ee482ad185c04db54ca35b74c7';
verifyEqual(testCase, hash_of(struct('a', 1, 'b', 2)), expected);
verifyEqual(testCase, hash_of(struct('b', 2, 'a', 1)), expected);
end

function test_hash_is_stable_across_calls(testCase)
value = struct('x', magic(4), 'label', 'emg', 'parts', {{1, 'a', int8([1 2])}});
verifyEqual(testCase, hash_of(value), hash_of(value));
verifyEqual(testCase, numel(hash_of(value)), 64);
end

% ----------------------------------------------------------------- errors

function test_engine_errors_carry_their_identifiers(testCase)
call = @scistack.internal.engine_call;
verifyError(testCase, @() call('no_such_operation'), 'scistack:gateway:unknownOperation');
verifyError(testCase, @() call('echo'), 'scistack:gateway:missingArgument');
verifyError(testCase, @() call('echo', 'value'), 'scistack:engine:badArguments');
verifyError(testCase, @() call('echo', {1}), 'scistack:engine:badArguments');
verifyError(testCase, @() call('echo', 'value', @sin), 'scistack:value:unsupported');
end

function test_malformed_request_gets_an_error_reply(testCase)
reply = scistack.internal.wire_decode(scistack.internal.transport(uint8('not wire data')));
verifyEqual(testCase, reply.error.identifier, 'scistack:value:badEncoding');
verifyEqual(testCase, reply.error.type, 'WireFormatError');
request = scistack.internal.wire_encode(struct('op', 'echo', 'args', 'not a struct'));
reply = scistack.internal.wire_decode(scistack.internal.transport(request));
verifyEqual(testCase, reply.error.identifier, 'scistack:gateway:badRequest');
end

function test_octave_bridge_checks_its_input(testCase)
assumeTrue(testCase, exist('OCTAVE_VERSION', 'builtin') > 0, 'the MEX bridge is Octave''s');
bridge = @scistack.internal.bridge;
verifyError(testCase, @() bridge(int8([1 2])), 'scistack:bridge:badInput');
verifyError(testCase, @() bridge('no_such_command'), 'scistack:bridge:badInput');
verifyError(testCase, @() bridge(uint8([1 2]), 2), 'scistack:bridge:badInput');
verifyError(testCase, @() bridge('init', '/another/python'), 'scistack:bridge:alreadyStarted');
verifyTrue(testCase, bridge('initialized'));
verifyEqual(testCase, bridge('executable'), testCase.TestData.info.python);
verifyTrue(testCase, mislocked('scistack.internal.bridge'));
end

% ----------------------------------------------------------------- helpers

function check_echo(testCase, value, label)
back = scistack.internal.engine_call('echo', 'value', value);
verifyEqual(testCase, back, value, label);
end

function h = hash_of(value)
h = scistack.internal.engine_call('hash', 'value', value);
end
