function [code, names, decls] = fingerprint_normalize(text)
%FINGERPRINT_NORMALIZE  MATLAB source text without comments and layout, and the names it uses.
%   CODE = scistack.internal.fingerprint_normalize(TEXT) returns the source TEXT (a char
%   row, as fileread returns it) with what does not change what the code does removed:
%   comments (%, Octave's #, %{ ... %} blocks and the help text), the rest of a line after
%   a ... continuation (the continued lines are joined), blank lines, indentation and
%   trailing blanks; every other run of blanks becomes one space. Text inside quotes is
%   kept exactly. Line breaks between statements are kept: they separate statements.
%   Quoted text ends as MATLAB reads it: only a doubled quote ('' or "") stands for a
%   quote inside it, so "C:\data\" ends at its second quote (GNU Octave's backslash
%   escapes are not read: write "" for a quote in double-quoted text that both run).
%
%   [CODE, NAMES] = scistack.internal.fingerprint_normalize(TEXT) also returns the
%   identifiers the code uses (a sorted cellstr without keywords): plain names (helper),
%   dotted names as written (pkg.fn, s.field), and quoted text that is a single such name
%   (the 'helper' of feval('helper')). scistack.internal.fingerprint resolves them to find
%   the user functions the code calls.
%
%   [CODE, NAMES, DECLS] = scistack.internal.fingerprint_normalize(TEXT) also returns the
%   function declarations of the file: DECLS.names is a cellstr of the declared function
%   names in file order and DECLS.inputs a cell of cellstr, their declared input names.
%
%   The same file gives the same CODE in MATLAB and in GNU Octave.
%
%   Example:
%     code = scistack.internal.fingerprint_normalize(sprintf('y = 2*x;  %% double it\n'))
%     % -> 'y = 2*x;'
%
%   See also scistack.internal.fingerprint, scistack.internal.fingerprint_signature.

persistent pattern keywords
if isempty(pattern)
    % A quote opens a text literal unless it follows a name, a closing bracket, a dot or
    % another quote: then it is the transpose operator.
    single_quoted = '(?<![\w)\]}.''])''(?:[^''\n]|'''')*''';
    double_quoted = '"(?:[^"\n]|"")*"';
    continuation = ' *\.\.\.[^\n]*(?:\n *|$)';
    comment = '[%#][^\n]*';
    pattern = [single_quoted, '|', double_quoted, '|', continuation, '|', comment];
    keywords = {'break', 'case', 'catch', 'classdef', 'continue', 'else', 'elseif', 'end', ...
                'enumeration', 'events', 'for', 'function', 'global', 'if', 'methods', ...
                'otherwise', 'parfor', 'persistent', 'properties', 'return', 'spmd', ...
                'switch', 'try', 'while', 'arguments', 'do', 'until', 'unwind_protect', ...
                'unwind_protect_cleanup', 'end_unwind_protect', 'end_try_catch', 'endif', ...
                'endfor', 'endwhile', 'endfunction', 'endswitch', 'endclassdef', ...
                'endmethods', 'endproperties', 'endevents', 'endenumeration', 'endparfor', ...
                'endspmd', 'varargin', 'varargout', 'nargin', 'nargout'};
end

if ~ischar(text)
    error('scistack:lineage:badArgument', 'the source text must be a char row');
end
text = strrep(reshape(text, 1, []), sprintf('\r'), '');
text = strrep(text, sprintf('\t'), ' ');
text = drop_block_comments(text);

[pieces, code_parts] = regexp(text, pattern, 'match', 'split');
kind = cellfun(@(p) p(1), pieces);
is_comment = kind == '%' | kind == '#';
is_continuation = kind == '.' | kind == ' ';
is_text = ~is_comment & ~is_continuation;
kept = pieces;
kept(is_comment) = {''};
kept(is_continuation) = {' '};
code_parts = regexprep(code_parts, ' +', ' ');
joined = [code_parts; [kept, {''}]];
code = regexprep([joined{:}], ' *\n[ \n]*', sprintf('\n'));
code = regexprep(code, '^[ \n]+|[ \n]+$', '');

if nargout > 1
    % Names in code (not after a dot or inside a number), and quoted single names.
    name = '[A-Za-z]\w*(?:\.[A-Za-z]\w*)*';
    found = regexp(strjoin(code_parts, sprintf('\n')), ['(?<![\w.])', name], 'match');
    quoted = cellfun(@(p) p(2:end - 1), pieces(is_text), 'UniformOutput', false);
    lone = ~cellfun(@isempty, regexp(quoted, ['^', name, '$'], 'once'));
    names = unique([found, quoted(lone)]);
    names = names(~ismember(names, keywords));
end
if nargout > 2
    decls = declarations(code);
end
end

function text = drop_block_comments(text)
% Lines between a line holding only %{ and its matching %} (nestable), and those lines.
if isempty(regexp(text, '(^|\n) *[%#]\{ *(\n|$)', 'once'))
    return
end
lines = strsplit(text, sprintf('\n'));
keep = true(size(lines));
depth = 0;
for k = 1:numel(lines)
    marker = regexp(lines{k}, '^ *[%#]([{}]) *$', 'tokens', 'once');
    if ~isempty(marker) && strcmp(marker{1}, '{')
        depth = depth + 1;
        keep(k) = false;
    elseif ~isempty(marker) && depth > 0
        depth = depth - 1;
        keep(k) = false;
    elseif depth > 0
        keep(k) = false;
    end
end
text = strjoin(lines(keep), sprintf('\n'));
end

function decls = declarations(code)
% Function names and their input names, in file order.
found = regexp(code, ['(?:^|\n)function +(?:(?:\[[^\]\n]*\]|[A-Za-z]\w*) *= *)?', ...
                      '([A-Za-z][\w.]*) *(\([^)\n]*\))?'], 'tokens');
decls = struct('names', {cell(1, numel(found))}, 'inputs', {cell(1, numel(found))});
for k = 1:numel(found)
    decls.names{k} = found{k}{1};
    inputs = {};
    if numel(found{k}) > 1 && numel(found{k}{2}) > 2
        inputs = strtrim(strsplit(found{k}{2}(2:end - 1), ','));
    end
    decls.inputs{k} = inputs;
end
end
