function tests = test_scidb_values
%TEST_SCIDB_VALUES  Save and load of every value GNU Octave has, through scidb.BaseVariable.
%   Each value is saved with RawEMG().save and loaded back with RawEMG().load; class,
%   size and content must come back exactly. Needs the engine (SCISTACK_PYTHON).
%   Run with run_tests('test_scidb_values').
tests = functiontests(localfunctions);
end

function setupOnce(testCase)
testCase.TestData.helpers = fullfile(fileparts(mfilename('fullpath')), 'helpers_scidb');
addpath(testCase.TestData.helpers);
end

function teardownOnce(testCase)
rmpath(testCase.TestData.helpers);
end

function setup(testCase)
[testCase.TestData.db, testCase.TestData.file] = scidb_test_database();
end

function teardown(testCase)
scidb_test_cleanup(testCase.TestData.db, testCase.TestData.file);
end

% ----------------------------------------------------------------- numeric

function test_double_scalars_vectors_matrices_and_nd_arrays(testCase)
check_values(testCase, {1.5, -0, NaN, Inf, -Inf, realmax, [1; 2; 3], [1 2 3], ...
                        [1 2; 3 4; 5 6], reshape(1:24, [2 3 4]), reshape(1:8, [2 1 4]), ...
                        zeros(0, 3), zeros(0, 1), [], zeros(3, 0)});
end

function test_every_numeric_class_in_several_shapes(testCase)
classes = {'single', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', ...
           'uint64'};
shapes = {[1 1], [4 1], [1 4], [2 3], [2 3 2], [0 0]};
values = {};
for c = 1:numel(classes)
    for s = 1:numel(shapes)
        values{end + 1} = cast(reshape(mod(0:prod(shapes{s}) - 1, 100), shapes{s}), ...
                               classes{c}); %#ok<AGROW>
    end
end
check_values(testCase, values);
end

function test_integer_limits(testCase)
check_values(testCase, {intmax('int64'), intmin('int64'), intmax('uint64'), ...
                        [intmin('int64'); intmax('int64')], intmax('uint32'), int8(-128)});
end

function test_logical_scalars_and_arrays(testCase)
check_values(testCase, {true, false, [true; false; true], [true false], ...
                        logical([1 0; 0 1]), false(2, 2, 2)});
end

function test_complex_values(testCase)
check_values(testCase, {complex(1.5, -2), complex(2, 0), [1 + 2i; -3.5i], [1 + 1i, 2], ...
                        single([1 + 2i, 3]), single(1 - 1i), complex([1 2; 3 4], 1)});
end

% ----------------------------------------------------------------- text

function test_char_rows_matrices_and_unicode(testCase)
unicode = native2unicode(uint8([194 181 86 32 226 128 147 32 206 148]), 'UTF-8');
check_values(testCase, {'pre', '', 'a', ['ab'; 'cd'], unicode, 'with ''quotes'' and, commas'});
end

% ----------------------------------------------------------------- containers

function test_cells_of_several_shapes(testCase)
check_values(testCase, {{}, {1, 'a', [1 2 3]}, {1; 'a'}, {1, {2, {'deep'}}}, ...
                        {1, 2; 3, 4}, {int16(3), true, {}}, cell(2, 1)});
end

function test_structs_nested_structs_and_struct_arrays(testCase)
nested = struct('inner', struct('x', [1; 2]), 'tags', {{'a', 'b'}}, 'n', int32(5));
check_values(testCase, {struct('subject', 1, 'session', 'pre'), struct(), nested, ...
                        struct('a', {1, 2, 3}), reshape(struct('a', {1, 2, 3, 4}), 2, 2), ...
                        struct('a', {'x'; 'y'})});
end

function test_maps(testCase)
m = containers.Map({'a b', 'c'}, {1, 'x'});
id = RawEMG().save(m, 'subject', 1, 'session', 'map');
back = RawEMG().load('subject', 1, 'session', 'map');
verifyClass(testCase, back.data, 'containers.Map');
verifyEqual(testCase, keys(back.data), keys(m));
verifyEqual(testCase, values(back.data), values(m));
verifyEqual(testCase, back.record_id, id);
end

% ----------------------------------------------------------------- loaded instance

function test_loaded_instance_properties(testCase)
x = randn(1000, 1);
id = RawEMG().save(x, 'subject', 1, 'session', 'pre');
raw = RawEMG().load('subject', 1, 'session', 'pre');
verifyClass(testCase, raw, 'RawEMG');
verifyTrue(testCase, isa(raw, 'scidb.BaseVariable'));
verifyEqual(testCase, raw.data, x);
verifyEqual(testCase, raw.metadata, struct('subject', 1, 'session', 'pre'));
verifyEqual(testCase, raw.record_id, id);
verifyEqual(testCase, raw.version, 1);
verifyEqual(testCase, numel(raw.content_hash), 64);
verifyEqual(testCase, raw.content_hash, ...
            scistack.internal.engine_call('hash', 'value', x));
verifyEqual(testCase, raw.name(), 'RawEMG');
end

function test_saving_a_loaded_instance_saves_its_data(testCase)
RawEMG().save([1 2 3], 'subject', 1, 'session', 'pre');
raw = RawEMG().load('subject', 1, 'session', 'pre');
FilteredEMG().save(raw, 'subject', 1, 'session', 'pre');
copy = FilteredEMG().load('subject', 1, 'session', 'pre');
verifyEqual(testCase, copy.data, [1 2 3]);
end

function test_unsupported_values_are_refused_with_an_identifier(testCase)
verifyError(testCase, @() RawEMG().save(@sin, 'subject', 1, 'session', 'x'), ...
            'scistack:value:unsupported');
verifyError(testCase, @() RawEMG().save(sparse([1 0 2]), 'subject', 1, 'session', 'x'), ...
            'scistack:value:unsupported');
end

function test_bad_metadata_is_refused(testCase)
verifyError(testCase, @() RawEMG().save(1, 'subject', {@sin}, 'session', 'x'), ...
            'scistack:metadata:invalid');
verifyError(testCase, @() RawEMG().save(1, 'subject', NaN, 'session', 'x'), ...
            'scistack:metadata:invalid');
verifyError(testCase, @() RawEMG().save(1, 'subject', 1, 'session'), ...
            'scistack:arguments:unpaired');
verifyError(testCase, @() RawEMG().save(1, 'value', 1), 'scistack:metadata:reservedKey');
verifyError(testCase, @() RawEMG().save(1, 3, 1), 'scistack:arguments:badName');
end

% ----------------------------------------------------------------- helpers

function check_values(testCase, values)
% Save each value at its own session and compare what loads back.
for k = 1:numel(values)
    session = sprintf('v%d', k);
    RawEMG().save(values{k}, 'subject', 1, 'session', session);
    back = RawEMG().load('subject', 1, 'session', session);
    verifyEqual(testCase, back.data, values{k}, sprintf('value %d (%s %s)', k, ...
                                                        class(values{k}), ...
                                                        mat2str(size(values{k}))));
end
end
