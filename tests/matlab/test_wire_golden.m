function tests = test_wire_golden
%TEST_WIRE_GOLDEN  Decode the golden vectors written by Python (tests/fixtures/wire).
%   Each file tests/fixtures/wire/<name>.bin holds the Python value <name> of
%   tests/fixtures/golden_values.py in the wire encoding; expected_values below lists
%   the MATLAB value each must decode to, per the mapping table of docs/data-model.md.
%   Run with run_tests('test_wire_golden').
tests = functiontests(localfunctions);
end

function setupOnce(testCase)
here = fileparts(mfilename('fullpath'));
testCase.TestData.folder = fullfile(here, '..', 'fixtures', 'wire');
end

function test_every_golden_vector_has_an_expectation(testCase)
listing = dir(fullfile(testCase.TestData.folder, '*.bin'));
names = regexprep({listing.name}, '\.bin$', '');
known = fieldnames(expected_values());
verifyNotEmpty(testCase, names);
checked_apart = {'int_huge'; 'dataframe_mixed'; 'datetime_utc'; 'date'; 'datetimes_ns'; ...
                 'timestamp_ns_berlin'; 'dataframe_row_names'; 'dataframe_reserved_names'; ...
                 'categorical_numeric'; 'datetime_offset_column'};
missing = setdiff(names, [known; checked_apart]);
verifyEmpty(testCase, missing, ['no expectation for: ', strjoin(missing, ', ')]);
end

function test_golden_vectors_decode_to_the_documented_values(testCase)
expected = expected_values();
names = fieldnames(expected);
for k = 1:numel(names)
    value = decode_stored(read_golden(testCase, names{k}));
    verifyEqual(testCase, value, expected.(names{k}), names{k});
end
end

function test_huge_integer_is_not_representable(testCase)
bytes = read_golden(testCase, 'int_huge');
verifyError(testCase, @() decode_stored(bytes), ...
            'scistack:value:notRepresentable');
end

function test_dataframe_is_a_struct_of_columns_in_octave(testCase)
assumeTrue(testCase, exist('OCTAVE_VERSION', 'builtin') > 0, ...
           'MATLAB decodes a DataFrame as a table (tests/matlab/matlab_only)');
value = decode_stored(read_golden(testCase, 'dataframe_mixed'));
expected = struct('subject', [1; 2], 'name', {{'a'; []}}, 'ok', [true; false]);
verifyEqual(testCase, value, expected);
verifyEqual(testCase, fieldnames(value), {'subject'; 'name'; 'ok'});
end

function test_datetimes_are_iso_text_in_octave(testCase)
assumeTrue(testCase, exist('OCTAVE_VERSION', 'builtin') > 0, ...
           'MATLAB decodes datetimes as datetime (tests/matlab/matlab_only)');
value = decode_stored(read_golden(testCase, 'datetime_utc'));
verifyEqual(testCase, value, '2024-03-01T12:30:00Z');
value = decode_stored(read_golden(testCase, 'date'));
verifyEqual(testCase, value, '2024-03-01');
end

function test_exact_value_vectors_in_their_octave_forms(testCase)
% MATLAB's forms of these are checked in matlab_semantics/test_wire_matlab_values.m.
assumeTrue(testCase, exist('OCTAVE_VERSION', 'builtin') > 0, ...
           'MATLAB forms: tests/matlab/matlab_only/test_exact_values.m');
value = decode_stored(read_golden(testCase, 'datetimes_ns'));
verifyEqual(testCase, value, [1709296200.123456789; NaN], 'AbsTol', 1e-6);
value = decode_stored(read_golden(testCase, 'timestamp_ns_berlin'));
verifyEqual(testCase, value, '2024-03-01T11:30:00.123456789Z');
value = decode_stored(read_golden(testCase, 'dataframe_row_names'));
verifyEqual(testCase, value, struct('trial', {{'a'; 'b'}}, 'x', [1; 2]));
value = decode_stored(read_golden(testCase, 'dataframe_reserved_names'));
verifyEqual(testCase, fieldnames(value), {'Properties'; 'Row'; repmat('v', 70, 1).'});
value = decode_stored(read_golden(testCase, 'categorical_numeric'));
verifyEqual(testCase, value.level.categories, {0.1; 0.10000001; 3});
verifyEqual(testCase, value.level.values, {0.1; 0.10000001; 3; ''});
value = decode_stored(read_golden(testCase, 'datetime_offset_column'));
verifyEqual(testCase, value.t, 1709276400);
end

function expected = expected_values()
% Golden vector name -> the value every runtime decodes it to (portable values only;
% dataframe_mixed, datetime_utc and date are checked above, int_huge is an error).
expected = struct();
expected.none = [];
expected.true = true;
expected.int_small = 7;
expected.int_negative = -3;
expected.float_pi = 3.141592653589793;
expected.float_nan = NaN;
expected.float_neg_inf = -Inf;
expected.complex = complex(1.5, -2);
expected.str_ascii = 'pre';
% micro sign, V, en dash, Greek capital delta, t and a smiling face, as UTF-8 bytes
expected.str_unicode = native2unicode(uint8([194 181 86 32 226 128 147 32 206 148 116 32 ...
                                             240 159 153 130]), 'UTF-8');
expected.str_empty = '';
expected.vector_f8 = [1; 2.5; -3];
expected.matrix_f8_2x3 = [1 2 3; 4 5 6];
% numpy.arange(12, dtype=int32).reshape(2, 3, 2): element (i, j, k) is 6i + 2j + k
expected.array_i4_2x3x2 = int32(cat(3, [0 2 4; 6 8 10], [1 3 5; 7 9 11]));
expected.row_f4_1x3 = single([1 2 3]);
expected.vector_u8 = uint64([0; 255; 65536]);
expected.vector_i2 = int16([-1; 2]);
expected.vector_bool = [true; false; true];
expected.vector_c16 = [complex(1, 2); complex(0, -3.5)];
expected.empty_0x3 = zeros(0, 3);
expected.scalar_array_0d = 4;
expected.np_int16 = int16(-12);
expected.np_float32 = single(0.5);
expected.list_mixed = {1; 'a'; []; {true}};
expected.tuple_pair = {1; 'b'};
expected.dict_nested = struct('subject', 1, 'session', 'pre', ...
                              'inner', struct('x', [1; 2]));
end

function bytes = read_golden(testCase, name)
path = fullfile(testCase.TestData.folder, [name, '.bin']);
fid = fopen(path, 'r');
assertTrue(testCase, fid > 0, ['cannot open ', path]);
bytes = fread(fid, Inf, 'uint8=>uint8').';
fclose(fid);
end
