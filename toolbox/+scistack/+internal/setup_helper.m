function [report, problem] = setup_helper(python, args, source)
%SETUP_HELPER  Run the engine's setup helper with a Python and read its JSON report.
%   [REPORT, PROBLEM] = scistack.internal.setup_helper(PYTHON, ARGS) runs
%   scistack_engine/setup_support.py of the engine source with the Python PYTHON (a path,
%   a command name, or the Windows launcher 'py -3.12') and the command-line arguments
%   ARGS (a cellstr), in one system() call. REPORT is the helper's report (the last line
%   of its output that is a JSON object with the field ok), [] when there is none; then
%   PROBLEM is the exit status and the output (the helper, run by another candidate,
%   says why in its own words: scistack_engine.setup_support.unrunnable).
%   The helper makes every decision of the setup; this function only starts it, before
%   any Python runs in this process.
%   [...] = scistack.internal.setup_helper(PYTHON, ARGS, SOURCE) uses the engine source
%   SOURCE (default scistack.internal.engine_source()).
%
%   Error: scistack:setup:engineSourceMissing when the helper file is missing.
%
%   Example:
%     report = scistack.internal.setup_helper('python3', {'check'});
%
%   See also scistack.internal.setup_python, scistack.internal.build_bridge.

if nargin < 3 || isempty(source)
    source = scistack.internal.engine_source();
end
helper = fullfile(source, 'scistack_engine', 'setup_support.py');
if exist(helper, 'file') ~= 2
    error('scistack:setup:engineSourceMissing', ...
          ['the setup helper %s is missing: reinstall the SciStack toolbox (or, in a ', ...
           'clone, restore the python folder)'], helper);
end
if ~isempty(regexp(python, '^py -3\.\d+$', 'once'))
    words = [strsplit(python, ' '), {helper}, args(:)']; % the Windows launcher: py -3.12
else
    words = [{python, helper}, args(:)'];
end
quoted = cellfun(@quote, words, 'UniformOutput', false);
command = [strjoin(quoted, ' '), ' 2>&1'];
if ispc()
    % cmd.exe /c drops the first and the last quote of a line that starts with one.
    command = ['"', command, '"'];
end
[status, output] = system(command);
report = last_report(output);
problem = sprintf('exit status %d: %s', status, strtrim(output));
end

function value = last_report(output)
% The last line of OUTPUT that holds a JSON object, decoded, if it has ok ([] if not).
value = [];
lines = regexp(output, '\r?\n', 'split');
for k = numel(lines):-1:1
    line = strtrim(lines{k});
    if ~isempty(line) && line(1) == '{'
        try
            value = jsondecode(line);
        catch
            value = [];
        end
        if ~isstruct(value) || ~isfield(value, 'ok')
            value = [];
        end
        return
    end
end
end

function text = quote(word)
% WORD as one argument of a shell command line.
word = char(word);
if ispc()
    text = ['"', word, '"'];
else
    text = ['''', strrep(word, '''', '''\'''''), ''''];
end
end
