function tests = test_fingerprint
%TEST_FINGERPRINT  scistack.internal.fingerprint: what changes a MATLAB function's fingerprint.
%   Function files are written into temporary folders on the path and edited there; the
%   fixed test functions are in helpers_lineage/. Needs the engine (SCISTACK_PYTHON): the
%   digest is computed by its 'hash' operation. Run with run_tests('test_fingerprint').
tests = functiontests(localfunctions);
end

function setupOnce(testCase)
testCase.TestData.helpers = fullfile(fileparts(mfilename('fullpath')), 'helpers_lineage');
addpath(testCase.TestData.helpers);
end

function teardownOnce(testCase)
rmpath(testCase.TestData.helpers);
end

function setup(testCase)
testCase.TestData.folder = lineage_temp_folder();
end

function teardown(testCase)
lineage_remove_folder(testCase.TestData.folder);
end

% ----------------------------------------------------------------- basics

function test_a_fingerprint_is_64_hex_characters_and_stable(testCase)
fp = scistack.internal.fingerprint(@lineage_filter);
verifyTrue(testCase, ~isempty(regexp(fp, '^[0-9a-f]{64}$', 'once')), fp);
verifyEqual(testCase, scistack.internal.fingerprint(@lineage_filter), fp);
scistack.internal.fingerprint('reset');
verifyEqual(testCase, scistack.internal.fingerprint(@lineage_filter), fp, ...
            'computed again from the files');
end

function test_different_functions_differ(testCase)
verifyNotEqual(testCase, scistack.internal.fingerprint(@lineage_filter), ...
               scistack.internal.fingerprint(@lineage_gain));
verifyNotEqual(testCase, scistack.internal.fingerprint(@sum), ...
               scistack.internal.fingerprint(@prod));
end

function test_the_files_of_a_named_function_and_its_helpers(testCase)
[~, info] = scistack.internal.fingerprint(@lineage_filter);
verifyEqual(testCase, info.name, 'lineage_filter');
names = cellfun(@file_name, info.files, 'UniformOutput', false);
verifyEqual(testCase, sort(names), {'lineage_count.m', 'lineage_filter.m'});
end

function test_library_functions_are_named_not_followed(testCase)
[fp, info] = scistack.internal.fingerprint(@strsplit);  % a .m file of the runtime
verifyEmpty(testCase, info.files);
verifyEqual(testCase, info.name, 'strsplit');
verifyNotEqual(testCase, fp, scistack.internal.fingerprint(@strjoin));
[~, info] = scistack.internal.fingerprint(@scistack.version);  % SciStack itself
verifyEmpty(testCase, info.files);
end

function test_package_and_private_functions_are_followed(testCase)
[~, info] = scistack.internal.fingerprint(@lineage_uses_package);
names = sort(cellfun(@file_name, info.files, 'UniformOutput', false));
verifyEqual(testCase, names, {'lineage_private_offset.m', 'lineage_uses_package.m', ...
                              'twice.m'});
[fp, info] = scistack.internal.fingerprint(@lineage_pkg.twice);
verifyEqual(testCase, info.name, 'lineage_pkg.twice');
verifyEqual(testCase, numel(info.files), 1);
verifyEqual(testCase, numel(fp), 64);
end

function test_functions_that_call_each_other(testCase)
[fp, info] = scistack.internal.fingerprint(@lineage_ping);
verifyEqual(testCase, numel(info.files), 2);
verifyEqual(testCase, numel(fp), 64);
verifyNotEqual(testCase, fp, scistack.internal.fingerprint(@lineage_pong), ...
               'the same files, but another function');
end

% ----------------------------------------------------------------- editing files

function test_comments_and_layout_do_not_change_it(testCase)
folder = testCase.TestData.folder;
name = unique_name('layout');
lineage_write(folder, name, {['function y = ', name, '(x)'], 'y = x + 1;', 'end'});
fp = scistack.internal.fingerprint(str2func(name));
lineage_write(folder, name, {['function y = ', name, '(x)'], ...
                             ['%', upper(name), '  Help text added.'], '', ...
                             '    y = x + ...  continued', '        1;   % a comment', ...
                             '%{', 'a block comment', '%}', 'end'});
verifyEqual(testCase, scistack.internal.fingerprint(str2func(name)), fp);
end

function test_editing_the_code_changes_it(testCase)
folder = testCase.TestData.folder;
name = unique_name('edited');
lineage_write(folder, name, {['function y = ', name, '(x)'], 'y = x + 1;', 'end'});
fp = scistack.internal.fingerprint(str2func(name));
% the same size and (most likely) the same second: still seen
lineage_write(folder, name, {['function y = ', name, '(x)'], 'y = x + 2;', 'end'});
changed = scistack.internal.fingerprint(str2func(name));
verifyNotEqual(testCase, changed, fp);
lineage_write(folder, name, {['function y = ', name, '(x)'], 'y = x + 1;', 'end'});
verifyEqual(testCase, scistack.internal.fingerprint(str2func(name)), fp, 'edited back');
end

function test_editing_a_called_helper_changes_it(testCase)
folder = testCase.TestData.folder;
[main, helper, inner] = deal(unique_name('main'), unique_name('helper'), unique_name('inner'));
lineage_write(folder, main, {['function y = ', main, '(x)'], ['y = ', helper, '(x);'], 'end'});
lineage_write(folder, helper, {['function y = ', helper, '(x)'], ['y = ', inner, '(x);'], ...
                               'end'});
lineage_write(folder, inner, {['function y = ', inner, '(x)'], 'y = 2 * x;', 'end'});
[fp, info] = scistack.internal.fingerprint(str2func(main));
verifyEqual(testCase, numel(info.files), 3);
lineage_write(folder, inner, {['function y = ', inner, '(x)'], 'y = 3 * x;', 'end'});
verifyNotEqual(testCase, scistack.internal.fingerprint(str2func(main)), fp, ...
               'a helper of a helper changed');
lineage_write(folder, inner, {['function y = ', inner, '(x)'], '% only a comment', ...
                              'y = 2 * x;', 'end'});
verifyEqual(testCase, scistack.internal.fingerprint(str2func(main)), fp);
end

function test_a_helper_created_later_is_found(testCase)
folder = testCase.TestData.folder;
[main, helper] = deal(unique_name('main'), unique_name('later'));
lineage_write(folder, main, {['function y = ', main, '(x)'], ['y = ', helper, '(x);'], 'end'});
[fp, info] = scistack.internal.fingerprint(str2func(main));
verifyEqual(testCase, numel(info.files), 1, 'the helper does not exist yet');
pause(1.1);  % a new modification time of the folder
lineage_write(folder, helper, {['function y = ', helper, '(x)'], 'y = x;', 'end'});
[again, info] = scistack.internal.fingerprint(str2func(main));
verifyEqual(testCase, numel(info.files), 2);
verifyNotEqual(testCase, again, fp);
end

function test_local_functions_are_part_of_the_file(testCase)
folder = testCase.TestData.folder;
name = unique_name('local');
lineage_write(folder, name, {['function h = ', name, '()'], 'h = @inner;', 'end', ...
                             'function y = inner(x)', 'y = x + 1;', 'end'});
main_fp = scistack.internal.fingerprint(str2func(name));
handle = feval(name);
[inner_fp, info] = scistack.internal.fingerprint(handle);
verifyNotEqual(testCase, inner_fp, main_fp);
verifyEqual(testCase, info.name, [name, '>inner']);
verifyEqual(testCase, scistack.internal.fingerprint(handle), inner_fp);
end

% ----------------------------------------------------------------- anonymous functions

function test_equal_anonymous_functions_have_equal_fingerprints(testCase)
k = 3;
first = @(x) x + k;
second = @(x) x + k;
verifyEqual(testCase, scistack.internal.fingerprint(first), ...
            scistack.internal.fingerprint(second));
verifyNotEqual(testCase, scistack.internal.fingerprint(@(x) x + k), ...
               scistack.internal.fingerprint(@(x) x - k));
end

function test_captured_values_change_it(testCase)
fps = cell(1, 5);
values = {3, 4, int8(3), [3 3], {3}};
for v = 1:numel(values)
    k = values{v};
    fps{v} = scistack.internal.fingerprint(@(x) x + k);
end
verifyEqual(testCase, numel(unique(fps)), numel(fps), 'each captured value differs');
k = 3;
verifyEqual(testCase, scistack.internal.fingerprint(@(x) x + k), fps{1}, 'the first again');
end

function test_captured_function_handles_are_fingerprinted(testCase)
folder = testCase.TestData.folder;
name = unique_name('captured');
lineage_write(folder, name, {['function y = ', name, '(x)'], 'y = x * 2;', 'end'});
how = str2func(name);
fp = scistack.internal.fingerprint(@(x) how(x) + 1);
lineage_write(folder, name, {['function y = ', name, '(x)'], 'y = x * 5;', 'end'});
how = str2func(name);
verifyNotEqual(testCase, scistack.internal.fingerprint(@(x) how(x) + 1), fp);
end

function test_functions_called_by_anonymous_functions_are_followed(testCase)
folder = testCase.TestData.folder;
name = unique_name('called');
lineage_write(folder, name, {['function y = ', name, '(x)'], 'y = x * 2;', 'end'});
wrapped = eval(['@(x) ', name, '(x) + 1']);
[fp, info] = scistack.internal.fingerprint(wrapped);
verifyEqual(testCase, numel(info.files), 1);
lineage_write(folder, name, {['function y = ', name, '(x)'], 'y = x * 7;', 'end'});
verifyNotEqual(testCase, scistack.internal.fingerprint(wrapped), fp);
end

function test_capturing_an_object_is_an_error(testCase)
thing = LineageOpaque();
verifyError(testCase, @() scistack.internal.fingerprint(@(x) x + thing.value), ...
            'scistack:lineage:unfingerprintable');
end

function test_a_called_classdef_file_is_followed(testCase)
folder = testCase.TestData.folder;
class_name = sprintf('LineageTmpGain%d', randi(1e9));
caller = unique_name('uses_class');
lineage_write(folder, caller, {['function y = ', caller, '(x)'], ...
                               ['g = ', class_name, '(2);'], 'y = g.apply(x);', 'end'});
write_gain_class(folder, class_name, 'obj.factor * x');
[fp, info] = scistack.internal.fingerprint(str2func(caller));
verifyEqual(testCase, sort(cellfun(@file_name, info.files, 'UniformOutput', false)), ...
            sort({[caller, '.m'], [class_name, '.m']}));
write_gain_class(folder, class_name, 'obj.factor * x + 1');
verifyNotEqual(testCase, scistack.internal.fingerprint(str2func(caller)), fp);
end

function test_library_folders(testCase)
% Which files are library files is the engine's rule (tests/python/test_matlab_fingerprint.py);
% this checks the folders MATLAB hands it.
libraries = scistack.internal.fingerprint_libraries();
verifyTrue(testCase, under(libraries, which('scistack.version')));
verifyTrue(testCase, under(libraries, which('fileread')));
verifyFalse(testCase, under(libraries, which('lineage_filter')));
verifyTrue(testCase, all(cellfun(@(root) root(end) == filesep, libraries.roots)));
verifyEqual(testCase, libraries.fold_case, ispc());
end

function test_non_ascii_source_has_the_same_fingerprint_everywhere(testCase)
% lineage_unicode_label.m holds UTF-8 text; the engine reads sources as UTF-8 whatever
% the platform's encoding, so matlab_only/test_fingerprint_matlab.m expects this digest.
fid = fopen(which('lineage_unicode_label'), 'r');
bytes = reshape(fread(fid, Inf, 'uint8=>double'), 1, []);
fclose(fid);
literal = char([double('''Gr'), 195, 182, 195, 159, double('e in '), 194, 181, double('V''')]);
verifyFalse(testCase, isempty(strfind(char(bytes), literal)));
verifyEqual(testCase, scistack.internal.fingerprint(@lineage_unicode_label), ...
            lineage_unicode_digest());
end

function test_signature_names_the_declared_inputs(testCase)
sig = signature_of(@lineage_filter);
verifyEqual(testCase, reshape(sig.inputs, 1, []), {'signal', 'low_hz', 'high_hz'});
verifyFalse(testCase, sig.varargin);
sig = signature_of(@lineage_gain);
verifyEqual(testCase, reshape(sig.inputs, 1, []), {'x'});
verifyTrue(testCase, sig.varargin);
sig = signature_of(@(signal, gain) gain * signal);
verifyEqual(testCase, reshape(sig.inputs, 1, []), {'signal', 'gain'});
sig = signature_of(@sum);
verifyFalse(testCase, sig.known);
k = 2;
sig = signature_of(@(x) x * k);  % the captured values are not described
verifyEqual(testCase, sig.name, '@(x)x*k');
end

% ----------------------------------------------------------------- helpers

function sig = signature_of(fh)
% The engine's reading of FH's declaration, as scilineage.Thunk asks for it.
sig = scistack.internal.fingerprint(fh, 'thunk_options', struct());
end

function name = unique_name(stem)
% A function name no other test uses (function files are cached by name).
name = sprintf('lineage_tmp_%s_%d', stem, randi(1e9));
end

function write_gain_class(folder, class_name, body)
% A value class with one property and one method, apply(x) = BODY.
lineage_write(folder, class_name, {['classdef ', class_name], 'properties', 'factor = 1', ...
                                   'end', 'methods', ['function obj = ', class_name, '(f)'], ...
                                   'obj.factor = f;', 'end', 'function y = apply(obj, x)', ...
                                   ['y = ', body, ';'], 'end', 'end', 'end'});
end

function tf = under(libraries, file)
% FILE starts with one of the library folders (all tested here compare with case).
tf = any(cellfun(@(root) strncmp(file, root, numel(root)), libraries.roots));
end

function name = file_name(file)
[~, base, ext] = fileparts(file);
name = [base, ext];
end
