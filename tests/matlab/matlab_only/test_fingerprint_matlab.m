function tests = test_fingerprint_matlab
%TEST_FINGERPRINT_MATLAB  Fingerprints in MATLAB: class files, UTF-8 source, library folders.
%   What scistack.internal.fingerprint relies on in MATLAB and GNU Octave cannot show:
%   which's answer for a class constructor, fileread with an explicit UTF-8 encoding,
%   the support package and add-on folders, and the number of results MATLAB asks of a
%   Thunk call ([lo, hi] = T(x), [lo, hi] = T.recompute(x)). MATLAB only (R2022b or
%   later, with the engine set up by scistack.setup); elsewhere this file is
%   parse-checked with mh_lint. Run with runtests('test_fingerprint_matlab').
tests = functiontests(localfunctions);
end

function setupOnce(testCase)
scistack.setup();
testCase.TestData.helpers = fullfile(fileparts(fileparts(mfilename('fullpath'))), ...
                                     'helpers_lineage');
addpath(testCase.TestData.helpers);
end

function teardownOnce(testCase)
rmpath(testCase.TestData.helpers);
end

function setup(testCase)
testCase.TestData.folder = tempname();
mkdir(testCase.TestData.folder);
addpath(testCase.TestData.folder);
global LINEAGE_TEST_CALLS
LINEAGE_TEST_CALLS = 0;
end

function teardown(testCase)
rmpath(testCase.TestData.folder);
rmdir(testCase.TestData.folder, "s");
end

function test_which_names_a_constructor_with_a_comment(testCase)
name = write_class(testCase.TestData.folder, "obj.factor * x");
where = which(name);
verifyTrue(testCase, endsWith(where, name + ".m  % " + name + " constructor"), where);
end

function test_a_called_classdef_file_is_followed(testCase)
folder = testCase.TestData.folder;
name = write_class(folder, "obj.factor * x");
caller = "fp_matlab_caller_" + randi(1e9);
write_lines(fullfile(folder, caller + ".m"), ["function y = " + caller + "(x)", ...
                                              "g = " + name + "(2);", "y = g.apply(x);", ...
                                              "end"]);
[fp, info] = scistack.internal.fingerprint(str2func(caller));
[~, names] = cellfun(@fileparts, info.files, UniformOutput=false);
verifyEqual(testCase, sort(string(names)), sort([caller, name]));
write_class(folder, "obj.factor * x + 1", name);
verifyNotEqual(testCase, scistack.internal.fingerprint(str2func(caller)), fp);
end

function test_utf8_source_reads_the_same_on_every_platform(testCase)
verifyEqual(testCase, scistack.internal.fingerprint(@lineage_unicode_label), ...
            lineage_unicode_digest(), "the digest GNU Octave gives for the same file");
end

function test_support_packages_and_add_ons_are_libraries(testCase)
libraries = scistack.internal.fingerprint_libraries();
verifyEqual(testCase, libraries.fold_case, ispc());
verifyTrue(testCase, under(libraries, which("max")) || ...
           startsWith(which("max"), "built-in"));
try
    root = char(matlabshared.supportpkg.getSupportPackageRoot());
catch
    root = '';
end
if ~isempty(root)
    verifyTrue(testCase, under(libraries, fullfile(root, "x.m")));
end
if height(matlab.addons.installedAddons()) > 0
    installed = fullfile(libraries.roots{end}, "Toolboxes", "x.m");
    verifyTrue(testCase, under(libraries, installed));
end
end

function test_several_outputs_by_call_and_recompute(testCase)
global LINEAGE_TEST_CALLS
min_max = scilineage.Thunk(@lineage_min_max, n_outputs=2);
x = [3 1 2];
[lo, hi] = min_max(x);
verifyEqual(testCase, {lo.data, hi.data}, {1, 3});
[lo, hi] = min_max.recompute(x);
verifyEqual(testCase, {lo.data, hi.data}, {1, 3});
verifyEqual(testCase, LINEAGE_TEST_CALLS, 2);
only = min_max(x);
verifyEqual(testCase, only.data, 1);
verifyEqual(testCase, count_arguments(min_max(x)), 1, "an argument is one result");
end

function name = write_class(folder, body, name)
% A value class file with one property and apply(x) = BODY; a new name unless given.
if nargin < 3
    name = "FpMatlabGain" + randi(1e9);
end
write_lines(fullfile(folder, name + ".m"), ["classdef " + name, "properties", "factor = 1", ...
                                            "end", "methods", ...
                                            "function obj = " + name + "(f)", ...
                                            "obj.factor = f;", "end", ...
                                            "function y = apply(obj, x)", ...
                                            "y = " + body + ";", "end", "end", "end"]);
clear(name);
end

function n = count_arguments(varargin)
n = numel(varargin);
end

function write_lines(file, lines)
writelines(lines, file);
end

function tf = under(libraries, file)
% FILE starts with one of the library folders (the engine's rule, stated for the test).
tf = any(startsWith(file, libraries.roots, "IgnoreCase", libraries.fold_case));
end
