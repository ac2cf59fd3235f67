function tests = test_walkthrough
%TEST_WALKTHROUGH  The MATLAB part of docs/walkthrough.md runs as written.
%   Reads the page's matlab code blocks in order, in a new temporary folder: a block
%   whose first line is '% file: NAME.m' is written to that file (a later block of the
%   same name replaces it: the page's edit of a function), every other block is run.
%   Then checks what the page says the blocks print. Needs the engine
%   (SCISTACK_PYTHON). Run with run_tests('test_walkthrough').
tests = functiontests(localfunctions);
end

function test_the_matlab_walkthrough_runs_as_written(testCase)
here = fileparts(mfilename('fullpath'));
text = fileread(fullfile(here, '..', '..', 'docs', 'walkthrough.md'));
blocks = regexp(text, '```matlab\n(.*?)```', 'tokens');
verifyTrue(testCase, numel(blocks) > 10, 'the page has its MATLAB blocks');

home = pwd;
folder = tempname();
mkdir(folder);
cd(folder);
addpath(folder);
cleanup = onCleanup(@() leave(home, folder));
shown = run_blocks(blocks);

verifyEqual(testCase, shown.first, repmat({'done'}, 1, 4));
verifyEqual(testCase, shown.again, repmat({'cached'}, 1, 4));
verifyEqual(testCase, shown.fine, repmat({'done'}, 1, 4));
verifyEqual(testCase, shown.back, repmat({'cached'}, 1, 4));
verifyEqual(testCase, shown.edited, {'cached', 'cached', 'done', 'done'});
verifyEqual(testCase, shown.function_name, 'vo2_peak');
verifyEqual(testCase, shown.version_15, 2);
verifyEqual(testCase, shown.length_15, 354);
verifyEqual(testCase, shown.n_versions, 3);
verifyEqual(testCase, round(100 * shown.mean_change) / 100, 4.15, 'AbsTol', 1e-9);
verifyEqual(testCase, shown.mean_function, 'mean');
verifyEqual(testCase, shown.db_open, false, 'the page closes its database');
clear cleanup;
end

function shown = run_blocks(blocks)
% Write the file blocks, run the others (in this workspace); what the checks read.
for k = 1:numel(blocks)
    code = blocks{k}{1};
    name = regexp(code, '^% file: (\w+)\.m', 'tokens', 'once');
    if isempty(name)
        eval(code);
    else
        fid = fopen([name{1}, '.m'], 'w');
        fprintf(fid, '%s', code);
        fclose(fid);
        clear(name{1});
    end
end
shown = struct('first', {first}, 'again', {again}, 'fine', {fine}, 'back', {back}, ...
               'edited', {edited}, 'function_name', p.function_name, ...
               'version_15', smoothed_15.version, 'length_15', numel(smoothed_15.data), ...
               'n_versions', numel(versions), 'mean_change', mean_change.data, ...
               'mean_function', mean_change.lineage.function_name, 'db_open', db.is_open());
end

function leave(home, folder)
% Back to the first folder; the temporary one removed.
cd(home);
rmpath(folder);
if exist('OCTAVE_VERSION', 'builtin') > 0
    confirm_recursive_rmdir(false);
end
rmdir(folder, 's');
end
