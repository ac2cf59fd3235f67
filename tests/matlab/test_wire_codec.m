function tests = test_wire_codec
%TEST_WIRE_CODEC  The .m wire codec on its own: bytes, round trips, errors (no Python).
%   Run with run_tests('test_wire_codec') (GNU Octave or MATLAB).
tests = functiontests(localfunctions);
end

% ----------------------------------------------------------------- exact bytes

function test_scalar_double_bytes(testCase)
verifyEqual(testCase, scistack.internal.wire_encode(1), ...
            uint8([83 83 87 1 102 0 0 0 0 0 0 240 63]));
end

function test_item_without_header(testCase)
verifyEqual(testCase, scistack.internal.wire_encode(true, false), uint8([63 1]));
end

function test_char_row_is_utf8_text(testCase)
verifyEqual(testCase, scistack.internal.wire_encode('pre'), ...
            uint8([83 83 87 1 115 3 0 0 0 0 0 0 0 112 114 101]));
end

function test_column_vector_is_sent_with_its_size(testCase)
b = scistack.internal.wire_encode(int16([5; -1]));
expected = [83 83 87 1, 65, 5 0 0 0 0 0 0 0, double('int16'), 0, ...
            2 0 0 0 0 0 0 0, 2 0 0 0 0 0 0 0, 1 0 0 0 0 0 0 0, 5 0, 255 255];
verifyEqual(testCase, b, uint8(expected));
end

function test_row_vector_keeps_two_dimensions(testCase)
b = scistack.internal.wire_encode(uint8([7 8 9]));
expected = [83 83 87 1, 65, 5 0 0 0 0 0 0 0, double('uint8'), 0, ...
            2 0 0 0 0 0 0 0, 1 0 0 0 0 0 0 0, 3 0 0 0 0 0 0 0, 7 8 9];
verifyEqual(testCase, b, uint8(expected));
end

function test_matrix_is_written_column_major(testCase)
b = scistack.internal.wire_encode(int8([1 2 3; 4 5 6]));
verifyEqual(testCase, b(end - 5:end), uint8([1 4 2 5 3 6]));
verifyEqual(testCase, char(b(14:17)), 'int8');
end

function test_scalar_numeric_classes_are_numpy_scalars(testCase)
% sent as a 1x1 'A' item, which the engine stores as a NumPy scalar ('g')
b = scistack.internal.wire_encode(single(0.5));
verifyEqual(testCase, b, uint8([83 83 87 1, 65, 6 0 0 0 0 0 0 0, double('single'), 0, ...
                                2 0 0 0 0 0 0 0, 1 0 0 0 0 0 0 0, 1 0 0 0 0 0 0 0, ...
                                0 0 0 63]));
verifyEqual(testCase, class(scistack.internal.engine_call('echo', 'value', single(0.5))), ...
            'single');
end

function test_struct_is_dict_in_field_order(testCase)
b = scistack.internal.wire_encode(struct('b', true, 'a', false));
expected = [83 83 87 1, 100, 2 0 0 0 0 0 0 0, 115, 1 0 0 0 0 0 0 0, double('b'), 63 1, ...
            115, 1 0 0 0 0 0 0 0, double('a'), 63 0];
verifyEqual(testCase, b, uint8(expected));
end

function test_cell_is_sent_with_its_size_column_major(testCase)
b = scistack.internal.wire_encode({true, false; false, true});
expected = [83 83 87 1, double('Y'), 2 0 0 0 0 0 0 0, 2 0 0 0 0 0 0 0, ...
            2 0 0 0 0 0 0 0, 63 1, 63 0, 63 0, 63 1];
verifyEqual(testCase, b, uint8(expected));
end

function test_struct_array_sends_its_field_names_once(testCase)
b = scistack.internal.wire_encode(struct('a', {true; false}));
expected = [83 83 87 1, double('Z'), 2 0 0 0 0 0 0 0, 2 0 0 0 0 0 0 0, ...
            1 0 0 0 0 0 0 0, 1 0 0 0 0 0 0 0, 115, 1 0 0 0 0 0 0 0, double('a'), ...
            63 1, 63 0];
verifyEqual(testCase, b, uint8(expected));
end

function test_negative_zero_and_nan_keep_their_bits(testCase)
verifyEqual(testCase, scistack.internal.wire_encode(-0), ...
            uint8([83 83 87 1 102 0 0 0 0 0 0 0 128]));
back = scistack.internal.wire_decode(scistack.internal.wire_encode(-0));
verifyEqual(testCase, 1 / back, -Inf);
verifyTrue(testCase, isnan(scistack.internal.wire_decode(scistack.internal.wire_encode(NaN))));
end

% ----------------------------------------------------------------- round trips

function test_round_trip_numeric_classes_and_shapes(testCase)
classes = {'double', 'single', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', ...
           'int64', 'uint64'};
shapes = {[1 1], [4 1], [1 4], [2 3], [2 3 4], [0 0], [0 3], [3 0], [0 1], [1 0], [2 1 3]};
for c = 1:numel(classes)
    for s = 1:numel(shapes)
        value = cast(reshape(mod(0:prod(shapes{s}) - 1, 100), shapes{s}), classes{c});
        check_round_trip(testCase, value, sprintf('%s %s', classes{c}, mat2str(shapes{s})));
    end
end
end

function test_round_trip_extreme_integers(testCase)
check_round_trip(testCase, [intmin('int64'); intmax('int64')], 'int64 limits');
check_round_trip(testCase, intmax('uint64'), 'uint64 max');
check_round_trip(testCase, int64(9007199254740993), '2^53 + 1');
check_round_trip(testCase, [intmin('int8') intmax('int8')], 'int8 limits');
end

function test_round_trip_special_floats(testCase)
check_round_trip(testCase, [NaN; Inf; -Inf; 0; realmin; realmax; eps], 'double specials');
check_round_trip(testCase, single([NaN Inf -Inf]), 'single specials');
end

function test_round_trip_logical(testCase)
check_round_trip(testCase, true, 'true');
check_round_trip(testCase, false, 'false');
check_round_trip(testCase, [true; false; true], 'column');
check_round_trip(testCase, logical([1 0; 0 1]), 'matrix');
check_round_trip(testCase, true(2, 2, 2), '3-D');
end

function test_round_trip_complex(testCase)
check_round_trip(testCase, complex(1.5, -2), 'scalar');
check_round_trip(testCase, complex(1, 0), 'zero imaginary part');
check_round_trip(testCase, [1 + 2i; -3.5i], 'column');
check_round_trip(testCase, [1 + 2i, 3; 4, 5 - 1i], 'matrix');
check_round_trip(testCase, single(1 + 2i), 'single scalar');
check_round_trip(testCase, single([1 + 2i, 3]), 'single row');
end

function test_round_trip_text(testCase)
check_round_trip(testCase, 'abc', 'row');
check_round_trip(testCase, '', 'empty');
check_round_trip(testCase, char(zeros(1, 0)), '1x0');
check_round_trip(testCase, ['ab'; 'cd'], 'char matrix');
check_round_trip(testCase, ['a'; 'b'; 'c'], 'char column');
check_round_trip(testCase, native2unicode(uint8([194 181 86 32 226 128 147 32 206 148]), ...
                                          'UTF-8'), 'non-ASCII');
end

function test_round_trip_cells(testCase)
check_round_trip(testCase, {}, 'empty');
check_round_trip(testCase, {1, 'a'}, 'row');
check_round_trip(testCase, {1; 'a'; []}, 'column');
check_round_trip(testCase, {1, 2; 'x', {true}}, '2x2 nested');
check_round_trip(testCase, {5}, '1x1');
check_round_trip(testCase, reshape(num2cell(1:8), [2 2 2]), '3-D');
check_round_trip(testCase, cell(0, 3), '0x3');
end

function test_round_trip_structs(testCase)
check_round_trip(testCase, struct('subject', 1, 'session', 'pre'), 'scalar');
check_round_trip(testCase, struct(), 'no fields');
inner = struct('x', [1; 2], 'tags', {{'a', 'b'}});
check_round_trip(testCase, struct('inner', inner, 'n', int32(3)), 'nested');
check_round_trip(testCase, struct('a', {1, 2, 3}), 'struct array 1x3');
check_round_trip(testCase, struct('a', {1; 'x'}), 'struct array 2x1');
check_round_trip(testCase, reshape(struct('a', {1, 2, 3, 4}), 2, 2), 'struct array 2x2');
end

function test_round_trip_maps(testCase)
text_keys = containers.Map({'a b', 'c'}, {1, 'x'});
back = decode_stored(scistack.internal.wire_encode(text_keys));
verifyClass(testCase, back, 'containers.Map');
verifyEqual(testCase, keys(back), {'a b', 'c'});
verifyEqual(testCase, values(back), {1, 'x'});

number_keys = containers.Map({1, 2.5}, {'one', [1 2]});
back = decode_stored(scistack.internal.wire_encode(number_keys));
verifyClass(testCase, back, 'containers.Map');
verifyEqual(testCase, keys(back), {1, 2.5});
verifyEqual(testCase, values(back), {'one', [1 2]});

name_keys = containers.Map({'alpha', 'beta'}, {1, 2});
back = decode_stored(scistack.internal.wire_encode(name_keys));
verifyClass(testCase, back, 'containers.Map');
end

% ----------------------------------------------------------------- errors

function test_unsupported_values_are_refused(testCase)
encode = @scistack.internal.wire_encode;
verifyError(testCase, @() encode(@sin), 'scistack:value:unsupported');
verifyError(testCase, @() encode(sparse([1 0; 0 1])), 'scistack:value:unsupported');
verifyError(testCase, @() encode({1, @cos}), 'scistack:value:unsupported');
end

function test_malformed_bytes_are_refused(testCase)
decode = @scistack.internal.wire_decode;
good = scistack.internal.wire_encode([1 2 3]);
verifyError(testCase, @() decode(uint8('SSX')), 'scistack:value:badEncoding');
verifyError(testCase, @() decode(good(1:end - 1)), 'scistack:value:badEncoding');
verifyError(testCase, @() decode([good, uint8(0)]), 'scistack:value:badEncoding');
verifyError(testCase, @() decode(uint8([83 83 87 1 122])), 'scistack:value:badEncoding');
verifyError(testCase, @() decode(double(good)), 'scistack:value:badEncoding');
end

function test_decoding_ignores_unknown_hints(testCase)
hint = 'mystery';
b = uint8([83 83 87 1, 104, numel(hint) 0 0 0 0 0 0 0, double(hint), ...
           102, typecast(2.5, 'uint8')]);
verifyEqual(testCase, decode_stored(b), 2.5);
end

% ----------------------------------------------------------------- helpers

function check_round_trip(testCase, value, label)
back = decode_stored(scistack.internal.wire_encode(value));
verifyEqual(testCase, back, value, label);
end
