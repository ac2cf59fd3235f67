function plan = buildfile
%BUILDFILE  SciStack's MATLAB build: the check, test and package tasks (R2022b or later).
%   buildtool check     Code Analyzer over toolbox/: fails on any error-level issue
%   buildtool test      scistack.setup, then tests/matlab and tests/matlab/matlab_only
%                       with matlab.unittest (after check)
%   buildtool package   the .mltbx with packaging/release_toolbox.m (R2023a or later;
%                       after test)
%   buildtool           the test task (and check before it)
%
%   The GitHub Actions workflow .github/workflows/matlab.yml runs these tasks with
%   matlab-actions/run-build. GNU Octave has no build tool: there ./dev.sh test runs
%   the same tests through tests/matlab/run_tests.m.
%
%   Example (MATLAB, from the repository root):
%     buildtool check test
%
%   See also buildplan, codeIssues, runtests, release_toolbox.

plan = buildplan(localfunctions);
plan.DefaultTasks = "test";
plan("test").Dependencies = "check";
plan("package").Dependencies = "test";
end

function checkTask(~)
% Find error-level Code Analyzer issues in the toolbox.
found = codeIssues(fullfile(pwd, "toolbox"));
errors = found.Issues(found.Issues.Severity == "error", :);
if height(errors) > 0
    disp(errors);
    error("scistack:build:codeIssues", "Code Analyzer found %d errors in toolbox/", ...
          height(errors));
end
end

function testTask(~)
% Run the MATLAB tests against the toolbox of this clone.
addpath(fullfile(pwd, "toolbox"));
scistack.setup();
folders = [fullfile(pwd, "tests", "matlab"), fullfile(pwd, "tests", "matlab", "matlab_only")];
results = runtests(folders);
disp(table(results));
assertSuccess(results);
end

function packageTask(~)
% Make the .mltbx with MATLAB's own packageToolbox.
addpath(fullfile(pwd, "packaging"));
file = release_toolbox("Python", python_for_staging());
fprintf("packaged %s\n", file);
end

function python = python_for_staging()
python = getenv("SCISTACK_STAGING_PYTHON");
if isempty(python)
    python = "python3";
end
end
