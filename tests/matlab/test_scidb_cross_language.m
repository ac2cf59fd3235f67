function tests = test_scidb_cross_language
%TEST_SCIDB_CROSS_LANGUAGE  One database for MATLAB/Octave and Python: this side's half.
%   tests/python/test_cross_language_scidb.py drives these tests: it writes
%   python_wrote.duckdb with scidb in Python, the value cases as text files, and sets the
%   environment variable SCISTACK_CROSS_DIR to that folder before running this file in
%   Octave. Here:
%     * octave_wrote.duckdb gets every case of octave_cases.txt (name, tab, expression),
%       saved with TypedValue().save at subject 0, session <name>; Python then loads it;
%     * every case of python_cases.txt (name, tab, the expression of what Octave must
%       load) is loaded from python_wrote.duckdb and compared;
%     * for_each runs over python_wrote.duckdb that mirror the Python runs made there
%       (Python then compares records and run logs).
%   Run on its own (SCISTACK_CROSS_DIR unset), the writing test uses a few built-in cases
%   and checks them itself, and the tests that need Python's data are skipped.
tests = functiontests(localfunctions);
end

function setupOnce(testCase)
testCase.TestData.helpers = fullfile(fileparts(mfilename('fullpath')), 'helpers_scidb');
addpath(testCase.TestData.helpers);
folder = getenv('SCISTACK_CROSS_DIR');
testCase.TestData.driven = ~isempty(folder);
if isempty(folder)
    folder = tempname();
    mkdir(folder);
end
testCase.TestData.folder = folder;
end

function teardownOnce(testCase)
if ~testCase.TestData.driven
    rmdir(testCase.TestData.folder, 's');
end
rmpath(testCase.TestData.helpers);
end

% ----------------------------------------------------------------- Octave -> Python

function test_octave_writes_values_for_python(testCase)
folder = testCase.TestData.folder;
cases = read_cases(fullfile(folder, 'octave_cases.txt'));
if isempty(cases)
    cases = {'double_column', '[1; 2.5; -3]'; 'text', '''pre'''; ...
             'struct_array', 'struct(''a'', {1, 2})'; 'int16_scalar', 'int16(-12)'};
end
file = fullfile(folder, 'octave_wrote.duckdb');
if exist(file, 'file') == 2
    delete(file);
end
db = scidb.configure_database(file, {'subject', 'session'});
for k = 1:size(cases, 1)
    TypedValue().save(eval(cases{k, 2}), 'subject', 0, 'session', cases{k, 1});
end
db.close();
db = scidb.configure_database(file, {'subject', 'session'});
cleanup = onCleanup(@() db.close());
for k = 1:size(cases, 1)
    back = TypedValue().load('subject', 0, 'session', cases{k, 1});
    verifyEqual(testCase, back.data, eval(cases{k, 2}), cases{k, 1});
end
end

% ----------------------------------------------------------------- Python -> Octave

function test_octave_reads_values_python_wrote(testCase)
file = python_database(testCase);
cases = read_cases(fullfile(testCase.TestData.folder, 'python_cases.txt'));
db = scidb.configure_database(file, {'subject', 'session'});
cleanup = onCleanup(@() db.close());
verifyTrue(testCase, size(cases, 1) > 0, 'python_cases.txt lists no cases');
for k = 1:size(cases, 1)
    loaded = TypedValue().load('subject', 0, 'session', cases{k, 1});
    verifyEqual(testCase, loaded.data, eval(cases{k, 2}), cases{k, 1});
end
end

function test_octave_for_each_runs_mirror_the_python_runs(testCase)
file = python_database(testCase);
db = scidb.configure_database(file, {'subject', 'session'});
cleanup = onCleanup(@() db.close());
warning_state = warning('off', 'scistack:foreach:failed');
restore = onCleanup(@() warning(warning_state));
everywhere = {'subject', [1 2 3], 'session', {'pre', 'post'}, 'progress', false};
r = scidb.for_each(@(x) 2 * x, struct('x', RawEMG()), {'DoubledByOctave'}, everywhere{:});
verifyEqual(testCase, r.status, {'done'; 'done'; 'done'; 'done'; 'done'; 'skipped'});
left_or_late = scidb.where(Side(), '==', 'left') | scidb.Sql('subject > 2');
scidb.for_each(@(x) 2 * x, struct('x', RawEMG()), {'FilteredByOctave'}, everywhere{:}, ...
               'where', left_or_late);
scidb.for_each(@(v) sum(v), struct('v', Speed().col('left')), {'SumLeftByOctave'}, ...
               'subject', [1 2 3 4], 'session', 'pre', 'progress', false);
scidb.for_each(@minus, struct('current', RawEMG(), ...
                              'baseline', scidb.Fixed(RawEMG(), 'session', 'pre')), ...
               {'DeltaByOctave'}, 'subject', [], 'session', 'post', 'progress', false);
scidb.for_each(@helper_fail_on_two, struct('x', Counted()), {'CountedByOctave'}, ...
               'subject', [1 2 3], 'session', 'pre', 'progress', false);
end

% ----------------------------------------------------------------- helpers

function file = python_database(testCase)
file = fullfile(testCase.TestData.folder, 'python_wrote.duckdb');
assumeTrue(testCase, exist(file, 'file') == 2, ...
           'needs the database written by tests/python/test_cross_language_scidb.py');
end

function cases = read_cases(file)
% An N-by-2 cell {name, expression} from lines 'name<TAB>expression'.
cases = cell(0, 2);
if exist(file, 'file') ~= 2
    return
end
lines = regexp(fileread(file), '\r?\n', 'split');
for k = 1:numel(lines)
    tab = find(lines{k} == sprintf('\t'), 1);
    if ~isempty(tab)
        cases(end + 1, :) = {lines{k}(1:tab - 1), lines{k}(tab + 1:end)}; %#ok<AGROW>
    end
end
end
