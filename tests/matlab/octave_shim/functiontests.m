function suite = functiontests(handles)
%FUNCTIONTESTS  GNU Octave stand-in for MATLAB's functiontests (test shim).
%   SUITE = functiontests(localfunctions) turns the local functions of a
%   function-based test file into a suite that run_tests runs: every local function
%   whose name starts or ends with 'test' (any case) is a test; setupOnce,
%   teardownOnce, setup and teardown are fixtures, as in MATLAB. Each test receives a
%   ShimTestCase (verifyEqual, verifyError, assertTrue, ...).
%
%   This folder is on the path only under GNU Octave (run_tests adds it); MATLAB uses
%   its own matlab.unittest.
%
%   Example:
%     suite = functiontests(localfunctions);   % in a test file's main function
%
%   See also run_tests, ShimTestCase.

suite = struct('tests', struct('name', {}, 'fn', {}), 'setupOnce', [], ...
               'teardownOnce', [], 'setup', [], 'teardown', []);
fixtures = {'setupOnce', 'teardownOnce', 'setup', 'teardown'};
for k = 1:numel(handles)
    name = func2str(handles{k});
    name = regexprep(name, '^@', '');
    fixture = strcmp(fixtures, name);
    if any(fixture)
        suite.(fixtures{fixture}) = handles{k};
    elseif ~isempty(regexpi(name, '(^test)|(test$)', 'once'))
        suite.tests(end + 1) = struct('name', name, 'fn', handles{k});
    end
end
end
