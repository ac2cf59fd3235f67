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
%     key       all of it as one text, which a Thunk call sends the engine
%   The engine names the arguments of a scilineage.Thunk call after the declared inputs,
%   as Python does, so that bandpass_filter(signal, low_hz, high_hz) records the
%   constants low_hz and high_hz. This finds the function's file; the engine reads the
%   declaration ('matlab_signature' operation).
%
%   Example:
%     sig = scistack.internal.fingerprint_signature(@(signal, gain) gain * signal);
%     sig.inputs   % -> {'signal', 'gain'}
%
%   See also scilineage.Thunk, scistack.internal.fingerprint.

if ~isa(fh, 'function_handle')
    error('scistack:lineage:badArgument', 'expected a function handle, got a %s', class(fh));
end
info = functions(fh);
request = struct('name', regexprep(func2str(fh), '^@', ''), 'file', '', ...
                 'local', any(strcmp(info.type, {'scopedfunction', 'subfunction'})));
if strcmp(info.type, 'anonymous')
    request.anonymous = func2str(fh);
elseif isfield(info, 'file') && ~isempty(info.file)
    request.file = info.file;
elseif ~request.local && ~strcmp(info.type, 'nested')
    request.file = which(request.name);
end
sig = scistack.internal.engine_call('matlab_signature', request);
sig.inputs = reshape(sig.inputs, 1, []);
end
