function failed = run_tests(varargin)
%RUN_TESTS  Run SciStack's MATLAB test files, in GNU Octave or in MATLAB.
%   FAILED = run_tests() runs every test_*.m file in this folder and returns the number
%   of failed tests. It prints one line per test and ends with 'N passed, N failed'.
%   run_tests('test_wire_codec', 'test_wire_golden') runs the named files only.
%   run_tests(..., 'Exit', true) ends the session with exit status 0 when every test
%   passed and 1 otherwise (for batch runs: octave-cli --eval "run_tests('Exit', true)").
%
%   The test files are MATLAB function-based tests (tests = functiontests(localfunctions)).
%   MATLAB runs them with matlab.unittest; GNU Octave, which has no matlab.unittest,
%   runs them through the shim in octave_shim/ (functiontests and ShimTestCase), which
%   this function puts on the path. The toolbox folder is put on the path too.
%
%   Example:
%     cd tests/matlab; run_tests()
%
%   See also functiontests, ShimTestCase.

[names, exit_when_done] = parse_arguments(varargin);
here = fileparts(mfilename('fullpath'));
addpath(fullfile(here, '..', '..', 'toolbox'));
addpath(here);
if isempty(names)
    listing = dir(fullfile(here, 'test_*.m'));
    names = sort(regexprep({listing.name}, '\.m$', ''));
end

if exist('OCTAVE_VERSION', 'builtin') > 0
    addpath(fullfile(here, 'octave_shim'));
    [passed, failed, skipped] = run_in_octave(names);
else
    [passed, failed, skipped] = run_in_matlab(names);
end

fprintf('%d passed, %d failed', passed, failed);
if skipped > 0
    fprintf(' (%d skipped)', skipped);
end
fprintf('\n');
if exit_when_done
    exit(double(failed > 0));
end
end

function [names, exit_when_done] = parse_arguments(args)
names = {};
exit_when_done = false;
k = 1;
while k <= numel(args)
    if strcmpi(args{k}, 'Exit') && k < numel(args)
        exit_when_done = logical(args{k + 1});
        k = k + 2;
    else
        names{end + 1} = regexprep(char(args{k}), '\.m$', ''); %#ok<AGROW>
        k = k + 1;
    end
end
end

function [passed, failed, skipped] = run_in_octave(names)
passed = 0;
failed = 0;
skipped = 0;
for f = 1:numel(names)
    try
        suite = feval(names{f});
    catch err
        fprintf('FAIL %s (cannot load: %s)\n', names{f}, err.message);
        failed = failed + 1;
        continue
    end
    shared = ShimTestCase();
    if ~isempty(suite.setupOnce)
        try
            suite.setupOnce(shared);
        catch err
            fprintf('FAIL %s/setupOnce: %s\n', names{f}, report(err));
            failed = failed + numel(suite.tests);
            continue
        end
    end
    for t = 1:numel(suite.tests)
        [outcome, detail, seconds_taken] = run_one(suite, suite.tests(t), shared.TestData);
        label = sprintf('%s/%s', names{f}, suite.tests(t).name);
        switch outcome
            case 'passed'
                passed = passed + 1;
                fprintf('PASS %s (%.0f ms)\n', label, 1000 * seconds_taken);
            case 'skipped'
                skipped = skipped + 1;
                fprintf('SKIP %s: %s\n', label, detail);
            otherwise
                failed = failed + 1;
                fprintf('FAIL %s\n%s\n', label, detail);
        end
    end
    if ~isempty(suite.teardownOnce)
        try
            suite.teardownOnce(shared);
        catch err
            fprintf('FAIL %s/teardownOnce: %s\n', names{f}, report(err));
            failed = failed + 1;
        end
    end
end
end

function [outcome, detail, seconds_taken] = run_one(suite, test, data)
tc = ShimTestCase();
tc.TestData = data;
started = tic();
problem = '';
try
    if ~isempty(suite.setup)
        suite.setup(tc);
    end
    test.fn(tc);
catch err
    if ~any(strcmp(err.identifier, {'shim:assertionFailed', 'shim:assumptionFailed'}))
        problem = report(err);
    end
end
if ~isempty(suite.teardown)
    try
        suite.teardown(tc);
    catch err
        problem = [problem, 'teardown: ', report(err)];
    end
end
seconds_taken = toc(started);
messages = tc.Failures;
if ~isempty(problem)
    messages{end + 1} = problem;
end
if ~isempty(messages)
    outcome = 'failed';
    detail = ['    ', strjoin(messages, sprintf('\n    '))];
elseif ~isempty(tc.Skipped)
    outcome = 'skipped';
    detail = tc.Skipped;
else
    outcome = 'passed';
    detail = '';
end
end

function text = report(err)
text = sprintf('error %s: %s', err.identifier, err.message);
for k = 1:numel(err.stack)
    text = sprintf('%s\n      at %s line %d', text, err.stack(k).name, err.stack(k).line);
end
end

function [passed, failed, skipped] = run_in_matlab(names)
results = runtests(names);
passed = sum([results.Passed]);
failed = sum([results.Failed]);
skipped = sum([results.Incomplete]);
for k = 1:numel(results)
    if results(k).Failed
        fprintf('FAIL %s\n', results(k).Name);
    end
end
end
