function tests = test_engine_warnings
%TEST_ENGINE_WARNINGS  Warnings the engine issues reach MATLAB's warning, by identifier.
%   Opening a database whose write-ahead log ends inside a transaction (left by a
%   Python process ended without closing it, then cut short) warns
%   scistack:db:tornWriteAheadLog; warning('off', ...) silences it as any MATLAB warning.
%   Needs the engine (SCISTACK_PYTHON). Run with run_tests('test_engine_warnings').
tests = functiontests(localfunctions);
end

function setupOnce(testCase)
info = scistack.setup();
testCase.TestData.folder = tempname();
mkdir(testCase.TestData.folder);
testCase.TestData.torn = torn_database(info.python, testCase.TestData.folder);
end

function teardownOnce(testCase)
rmdir(testCase.TestData.folder, 's');
end

function test_a_torn_log_on_open_raises_the_engine_warning(testCase)
file = copy_of(testCase.TestData.torn, 'warned');
lastwarn('');
evalc('db = scidb.configure_database(file, {''subject''});');  % (shown: not in the log)
cleanup = onCleanup(@() db.close());
[message, identifier] = lastwarn();
verifyEqual(testCase, identifier, 'scistack:db:tornWriteAheadLog');
verifyTrue(testCase, ~isempty(strfind(message, [file, '.wal'])), message);
verifyEqual(testCase, db.path, file);
end

function test_a_warning_turned_off_is_not_shown(testCase)
file = copy_of(testCase.TestData.torn, 'silenced');
state = warning('off', 'scistack:db:tornWriteAheadLog');
restore = onCleanup(@() warning(state));
shown = evalc('db = scidb.configure_database(file, {''subject''});');
verifyTrue(testCase, isempty(strfind(shown, '.wal')), shown);
verifyEqual(testCase, db.path, file);
db.close();
% the same open with the warning on shows it
warning('on', 'scistack:db:tornWriteAheadLog');
file = copy_of(testCase.TestData.torn, 'shown');
shown = evalc('db = scidb.configure_database(file, {''subject''});');
cleanup = onCleanup(@() db.close());
verifyTrue(testCase, ~isempty(strfind(shown, [file, '.wal'])), shown);
end

function test_a_call_that_warns_nothing_leaves_lastwarn_alone(testCase)
lastwarn('before', 'scistack:test:marker');
verifyEqual(testCase, scistack.internal.engine_call('echo', 'value', 2), 2);
[~, identifier] = lastwarn();
verifyEqual(testCase, identifier, 'scistack:test:marker');
end

% ----------------------------------------------------------------- helpers

function file = torn_database(python, folder)
% A database whose last saves are only in its write-ahead log, the log cut inside its
% last transaction: a Python process saves, then ends without closing the database.
file = fullfile(folder, 'study.duckdb');
script = fullfile(folder, 'leave_log.py');
fid = fopen(script, 'w');
fprintf(fid, ['import os\nimport scidb\nfrom scidb import BaseVariable\n', ...
              'class Score(BaseVariable):\n    pass\n', ...
              'scidb.configure_database(%s, ["subject"])\n', ...
              'for i in range(3):\n    Score.save(float(i), subject=i)\nos._exit(0)\n'], ...
        python_text(file));
fclose(fid);
[status, output] = system(sprintf('"%s" "%s"', python, script));
assert(status == 0, 'the Python that leaves a log failed: %s', output);
fid = fopen([file, '.wal'], 'r');
log = fread(fid, Inf, '*uint8');
fclose(fid);
fid = fopen([file, '.wal'], 'w');
fwrite(fid, log(1:end - 10));
fclose(fid);
end

function copy = copy_of(file, name)
% A copy of the database and its log, under another name in the same folder.
copy = fullfile(fileparts(file), [name, '.duckdb']);
copyfile(file, copy);
copyfile([file, '.wal'], [copy, '.wal']);
end

function text = python_text(text)
% TEXT as a Python string literal.
text = ['''', strrep(strrep(text, '\', '\\'), '''', '\'''), ''''];
end
