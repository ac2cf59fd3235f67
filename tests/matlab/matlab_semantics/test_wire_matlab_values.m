function tests = test_wire_matlab_values
%TEST_WIRE_MATLAB_VALUES  The codec's MATLAB branches, run against emulated classes.
%   GNU Octave has no string, datetime, categorical or table. This folder emulates
%   them (as far as the codec uses them, with MATLAB's documented checks) and makes
%   scistack.internal.has_value_classes true, so the values MATLAB gets can be checked
%   here: golden vectors written by Python (tests/fixtures/wire) and round trips
%   through the engine. tests/matlab/matlab_only/test_exact_values.m checks the same in
%   real MATLAB. Run by tests/python/test_octave_wire.py in an Octave of its own:
%     addpath('tests/matlab/matlab_semantics'); cd tests/matlab;
%     run_tests('test_wire_matlab_values')
tests = functiontests(localfunctions);
end

function setupOnce(testCase)
here = fileparts(mfilename('fullpath'));
addpath(here); % ahead of the toolbox: its has_value_classes answers true
testCase.TestData.folder = fullfile(here, '..', '..', 'fixtures', 'wire');
end

function test_the_emulated_classes_are_in_use(testCase)
verifyTrue(testCase, scistack.internal.has_value_classes());
verifyClass(testCase, string('a'), 'string');
end

function test_missing_string_scalar_round_trips_as_missing(testCase)
value = decode_stored(scistack.internal.wire_encode(string(missing)));
verifyClass(testCase, value, 'string');
verifySize(testCase, value, [1 1]);
verifyTrue(testCase, ismissing(value));
empty = decode_stored(scistack.internal.wire_encode(string('')));
verifyFalse(testCase, ismissing(empty));
verifyEqual(testCase, char(empty), '');
end

function test_string_array_keeps_its_missing_elements(testCase)
s = string({'a', 'b'; 'c', 'd'});
s(2, 1) = missing;
value = decode_stored(scistack.internal.wire_encode(s));
verifyTrue(testCase, isequal(value, s));
verifyEqual(testCase, ismissing(value), [false false; true false]);
end

function test_saved_missing_string_loads_as_missing(testCase)
helpers = fullfile(fileparts(mfilename('fullpath')), '..', 'helpers_scidb');
addpath(helpers);
[db, file] = scidb_test_database();
cleanup = onCleanup(@() scidb_test_cleanup(db, file));
RawEMG().save(string(missing), 'subject', 1, 'session', 'pre');
value = RawEMG().load('subject', 1, 'session', 'pre');
verifyClass(testCase, value.data, 'string');
verifyTrue(testCase, ismissing(value.data));
end

function test_datetimes_are_rebuilt_from_integer_ticks(testCase)
value = decode_golden(testCase, 'datetimes_ns');
verifyClass(testCase, value, 'datetime');
verifySize(testCase, value, [2 1]);
ticks = convertTo(value, 'epochtime', 'Epoch', datetime(1970, 1, 1), 'TicksPerSecond', 1e9);
verifyEqual(testCase, ticks(1), int64(1709296200123456789));
verifyEqual(testCase, isnat(value), [false; true]);
end

function test_zoned_timestamp_keeps_its_zone_and_nanoseconds(testCase)
value = decode_golden(testCase, 'timestamp_ns_berlin');
verifyEqual(testCase, value.TimeZone, 'Europe/Berlin');
utc = value;
utc.TimeZone = 'UTC';
ticks = convertTo(utc, 'epochtime', 'Epoch', datetime(1970, 1, 1, 'TimeZone', 'UTC'), ...
                  'TicksPerSecond', 1e9);
verifyEqual(testCase, ticks, int64(1709292600123456789));
end

function test_datetime_round_trips_exactly_through_the_engine(testCase)
% 2026-01-01 plus 123456789 ns: as double POSIX seconds it would lose about 0.24 us
near_today = int64([1767225600123456789; 1767225600123456790]);
t = datetime(near_today, 'ConvertFrom', 'epochtime', 'Epoch', '1970-01-01', ...
             'TicksPerSecond', 1e9);
back = scistack.internal.engine_call('echo', 'value', t);
verifyTrue(testCase, isequal(back, t));
ticks = convertTo(back, 'epochtime', 'Epoch', datetime(1970, 1, 1), 'TicksPerSecond', 1e9);
verifyEqual(testCase, ticks, near_today);
end

function test_fixed_offset_zone_is_spelled_as_matlab_spells_it(testCase)
value = decode_golden(testCase, 'datetime_offset_column');
verifyEqual(testCase, value.Properties.VariableNames, {'t'});
verifyEqual(testCase, value.t.TimeZone, '+05:30');
end

function test_offset_with_seconds_is_refused(testCase)
bytes = scistack.internal.wire_encode(1);
bytes = [bytes(1:4), uint8('p'), typecast(int64(0), 'uint8'), text('ns'), ...
         text('+05:30:15')];
verifyError(testCase, @() decode_stored(bytes), ...
            'scistack:value:notRepresentable');
end

function test_utc_leap_seconds_are_refused_on_save(testCase)
t = datetime(int64(0), 'ConvertFrom', 'epochtime', 'Epoch', '1970-01-01', ...
             'TicksPerSecond', 1, 'TimeZone', 'UTC');
t.TimeZone = 'UTCLeapSeconds';
verifyError(testCase, @() scistack.internal.engine_call('hash', 'value', t), ...
            'scistack:value:unsupported');
end

function test_timetable_is_refused_with_the_conversion(testCase)
verifyError(testCase, @() scistack.internal.wire_encode(timetable()), ...
            'scistack:value:unsupported');
end

function test_text_index_becomes_row_names(testCase)
value = decode_golden(testCase, 'dataframe_row_names');
verifyClass(testCase, value, 'table');
verifyEqual(testCase, value.Properties.VariableNames, {'x'});
verifyEqual(testCase, value.Properties.RowNames, {'a'; 'b'});
verifyEqual(testCase, value.Properties.DimensionNames, {'trial', 'Variables'});
verifyEqual(testCase, value.x, [1; 2]);
end

function test_names_a_table_refuses_are_mapped_and_described(testCase)
value = decode_golden(testCase, 'dataframe_reserved_names');
names = value.Properties.VariableNames;
verifyEqual(testCase, names{2}, 'Row');
verifyFalse(testCase, strcmp(names{1}, 'Properties'));
verifyTrue(testCase, numel(names{3}) <= namelengthmax());
verifyEqual(testCase, value.Properties.VariableDescriptions, ...
            {'Properties', '', repmat('v', 1, 70)});
verifyEqual(testCase, value.Properties.DimensionNames, {'Row_1', 'Variables'});
end

function test_numeric_categories_keep_their_exact_text(testCase)
value = decode_golden(testCase, 'categorical_numeric');
level = value.level;
verifyClass(testCase, level, 'categorical');
verifyEqual(testCase, categories(level), {'0.1'; '0.10000001'; '3'});
verifyEqual(testCase, double(level), [1; 2; 3; NaN]);
end

function value = decode_golden(testCase, name)
path = fullfile(testCase.TestData.folder, [name, '.bin']);
fid = fopen(path, 'r');
assertTrue(testCase, fid > 0, ['cannot open ', path]);
bytes = fread(fid, Inf, 'uint8=>uint8').';
fclose(fid);
value = decode_stored(bytes);
end

function b = text(s)
b = [typecast(uint64(numel(s)), 'uint8'), uint8(s)];
end
