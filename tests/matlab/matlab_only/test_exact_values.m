function tests = test_exact_values
%TEST_EXACT_VALUES  MATLAB's own classes come back exactly (MATLAB R2022b or later).
%   The same checks as ../matlab_semantics/test_wire_matlab_values.m (which runs the
%   codec against emulated classes in GNU Octave), here against MATLAB's string,
%   datetime, categorical and table, plus what the codec relies on in MATLAB itself.
%   Run in MATLAB with runtests('test_exact_values') from this folder, after
%   scistack.setup.
tests = functiontests(localfunctions);
end

function setupOnce(testCase)
here = fileparts(mfilename('fullpath'));
testCase.TestData.folder = fullfile(here, '..', '..', 'fixtures', 'wire');
end

function test_missing_string_scalar_round_trips_as_missing(testCase)
back = round_trip(string(missing));
verifyClass(testCase, back, 'string');
verifySize(testCase, back, [1 1]);
verifyTrue(testCase, ismissing(back));
verifyEqual(testCase, round_trip(""), "");
s = ["a" "b"; missing "d"];
verifyEqual(testCase, ismissing(round_trip(s)), ismissing(s));
end

function test_datetime_comes_back_to_the_nanosecond(testCase)
ticks = int64(1767225600123456789) + int64([0; 1]);
t = datetime(ticks, ConvertFrom="epochtime", Epoch="1970-01-01", TicksPerSecond=1e9);
back = round_trip(t);
verifyEqual(testCase, convertTo(back, "epochtime", Epoch="1970-01-01", TicksPerSecond=1e9), ...
            ticks);
zoned = t;
zoned.TimeZone = "America/New_York";
back = round_trip(zoned);
verifyEqual(testCase, back.TimeZone, 'America/New_York');
verifyEqual(testCase, back, zoned);
end

function test_golden_nanosecond_datetimes(testCase)
value = decode_golden(testCase, 'datetimes_ns');
verifyEqual(testCase, convertTo(value(1), "epochtime", Epoch="1970-01-01", ...
                                TicksPerSecond=1e9), int64(1709296200123456789));
verifyTrue(testCase, isnat(value(2)));
berlin = decode_golden(testCase, 'timestamp_ns_berlin');
verifyEqual(testCase, berlin.TimeZone, 'Europe/Berlin');
utc = berlin;
utc.TimeZone = "UTC";
verifyEqual(testCase, convertTo(utc, "epochtime", Epoch=datetime(1970, 1, 1, TimeZone="UTC"), ...
                                TicksPerSecond=1e9), int64(1709292600123456789));
end

function test_time_zones(testCase)
offset = decode_golden(testCase, 'datetime_offset_column');
verifyEqual(testCase, offset.t.TimeZone, '+05:30');
fixed = datetime(2024, 3, 1, 12, 30, 0, TimeZone="-08:00");
verifyEqual(testCase, round_trip(fixed), fixed);
leap = datetime(2024, 3, 1, TimeZone="UTCLeapSeconds");
verifyError(testCase, @() scistack.internal.wire_encode(leap), 'scistack:value:unsupported');
end

function test_timetable_is_refused_with_the_conversion(testCase)
tt = timetable(datetime(2024, 3, 1) + hours(0:1)', [1; 2]);
verifyError(testCase, @() scistack.internal.wire_encode(tt), 'scistack:value:unsupported');
verifyClass(testCase, round_trip(timetable2table(tt)), 'table');
end

function test_row_names_are_restored(testCase)
t = table([1; 2], ["x"; "y"], VariableNames=["value", "label"], RowNames=["a", "b"]);
back = round_trip(t);
verifyEqual(testCase, back.Properties.RowNames, {'a'; 'b'});
verifyEqual(testCase, back.Properties.VariableNames, {'value', 'label'});
verifyEqual(testCase, back, t);
golden = decode_golden(testCase, 'dataframe_row_names');
verifyEqual(testCase, golden.Properties.DimensionNames, {'trial', 'Variables'});
end

function test_names_a_table_refuses_are_mapped(testCase)
value = decode_golden(testCase, 'dataframe_reserved_names');
verifyEqual(testCase, width(value), 3);
verifyEqual(testCase, value.Properties.VariableDescriptions, ...
            {'Properties', '', repmat('v', 1, 70)});
end

function test_numeric_categories_stay_distinct(testCase)
value = decode_golden(testCase, 'categorical_numeric');
verifyEqual(testCase, categories(value.level), {'0.1'; '0.10000001'; '3'});
verifyEqual(testCase, double(value.level), [1; 2; 3; NaN]);
end

function test_what_the_toolbox_relies_on_in_matlab(testCase)
% functions(), which, func2str and fileread as the fingerprint and codec use them
verifyEqual(testCase, func2str(@(x) max(x, 2)), '@(x)max(x,2)');
info = functions(@(x) x + 1);
verifyEqual(testCase, info.type, 'anonymous');
verifyTrue(testCase, isfield(info, 'workspace'));
verifyNotEmpty(testCase, which('scistack.setup'));
where = which('max');
verifyTrue(testCase, startsWith(where, 'built-in') || startsWith(where, matlabroot));
text = fileread(which('scistack.setup'), Encoding="UTF-8");
verifyTrue(testCase, startsWith(text, 'function'));
end

function value = round_trip(x)
value = decode_stored(scistack.internal.wire_encode(x));
end

function value = decode_golden(testCase, name)
fid = fopen(fullfile(testCase.TestData.folder, [name, '.bin']), 'r');
bytes = fread(fid, Inf, 'uint8=>uint8').';
fclose(fid);
value = decode_stored(bytes);
end
