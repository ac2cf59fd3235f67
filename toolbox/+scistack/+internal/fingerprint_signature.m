function sig = fingerprint_signature(fh)
%FINGERPRINT_SIGNATURE  A function's name and declared input names, read from its source.
%   SIG = scistack.internal.fingerprint_signature(FH) describes the function of the
%   handle FH with the fields
%     name      the function's name as lineage shows it: bandpass_filter, pkg.fn, the
%               name of a local function, or the canonical text of an anonymous function
%     inputs    1xN cellstr, the declared input names before varargin ('' for ~)
%     varargin  true when the function also takes varargin
%     known     false when no declaration could be read (built-in and compiled
%               functions): then nothing is known about the inputs
%   scilineage.Thunk names the arguments of a call after the declared inputs, as Python
%   does, so that bandpass_filter(signal, low_hz, high_hz) records the constants low_hz
%   and high_hz.
%
%   Example:
%     sig = scistack.internal.fingerprint_signature(@(signal, gain) gain * signal);
%     sig.inputs   % -> {'signal', 'gain'}
%
%   See also scilineage.Thunk, scistack.internal.fingerprint.

if ~isa(fh, 'function_handle')
    error('scistack:lineage:badArgument', 'expected a function handle, got a %s', class(fh));
end
sig = struct('name', '', 'inputs', {{}}, 'varargin', false, 'known', false);
info = functions(fh);
if strcmp(info.type, 'anonymous')
    sig.name = scistack.internal.fingerprint_anonymous_text(fh);
    params = regexp(sig.name, '^@\(([^)]*)\)', 'tokens', 'once');
    if ~isempty(params)
        sig = with_inputs(sig, params{1});
    end
    return
end

name = regexprep(func2str(fh), '^@', '');
sig.name = name;
file = '';
if isfield(info, 'file')
    file = info.file;
end
if isempty(file) && ~any(strcmp(info.type, {'scopedfunction', 'subfunction', 'nested'}))
    file = which(name);
end
if isempty(regexp(file, '\.m$', 'once')) || exist(file, 'file') ~= 2
    return
end
source = scistack.internal.fingerprint_source(file);
[code, ~, decls] = scistack.internal.fingerprint_normalize(source);
short = regexprep(name, '^.*[.>/]', '');
found = find(strcmp(decls.names, short), 1);
if isempty(found) && ~isempty(decls.names) && strncmp(code, 'function', 8) && ...
        ~any(strcmp(info.type, {'scopedfunction', 'subfunction'}))
    % a function file's main function is called by the file name, whatever its
    % declaration says
    [~, base] = fileparts(file);
    if strcmp(base, short)
        found = 1;
    end
end
if ~isempty(found)
    sig = with_inputs(sig, strjoin(decls.inputs{found}, ','));
end
end

function sig = with_inputs(sig, list)
names = strtrim(strsplit(list, ','));
names = names(~cellfun(@isempty, names));
names(strcmp(names, '~')) = {''};
sig.varargin = ~isempty(names) && strcmp(names{end}, 'varargin');
if sig.varargin
    names(end) = [];
end
sig.inputs = names;
sig.known = true;
end
