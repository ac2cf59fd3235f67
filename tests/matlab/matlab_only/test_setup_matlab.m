function tests = test_setup_matlab
%TEST_SETUP_MATLAB  What scistack.setup and the py. transport do in MATLAB.
%   Run in MATLAB (R2022b or later) after scistack.setup, with
%   runtests('test_setup_matlab') from this folder. The choice of Python itself is
%   tested from Python (tests/python/test_setup_support.py).
tests = functiontests(localfunctions);
end

function test_no_engine_call_before_setup(testCase)
saved = getpref('scistack', 'python', '');
keep = getenv('SCISTACK_PYTHON');
setenv('SCISTACK_PYTHON', '');
rmpref_if_there();
clear('scistack.internal.transport'); % forget the connection of this session
restore = onCleanup(@() put_back(saved, keep));
verifyError(testCase, @() scistack.internal.engine_call('ping'), 'scistack:setup:noPython');
end

function test_setup_reports_and_uses_a_supported_python(testCase)
info = scistack.setup();
release = ['R', version('-release')];
verifyEqual(testCase, info.runtime, 'MATLAB');
environment = pyenv;
verifyEqual(testCase, char(environment.Executable), info.python);
minor = sscanf(char(environment.Version), '3.%d');
verifyGreaterThanOrEqual(testCase, minor, 10, release);
verifyEqual(testCase, scistack.internal.engine_call('ping'), scistack.version());
verifyFalse(testCase, startsWith(info.environment, prefdir), ...
            'the environment outlives the release');
end

function test_python_errors_outside_the_gateway_are_scistack_errors(testCase)
scistack.setup();
verifyError(testCase, @() scistack.internal.setup_matlab('call', uint8([1 2 3]), 2), ...
            'scistack:gateway:badRequest');
end

function rmpref_if_there()
if ispref('scistack', 'python')
    rmpref('scistack', 'python');
end
end

function put_back(saved, keep)
setenv('SCISTACK_PYTHON', keep);
if ~isempty(saved)
    setpref('scistack', 'python', saved);
end
clear('scistack.internal.transport');
end
