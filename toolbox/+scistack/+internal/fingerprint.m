function [digest, info] = fingerprint(fh, operation, request)
%FINGERPRINT  The code fingerprint of a MATLAB function: 64 hex characters naming what it runs.
%   FP = scistack.internal.fingerprint(FH) returns the fingerprint of the function handle
%   FH, a 64-character lowercase hex SHA-256 digest that enters the cache keys of
%   scilineage.Thunk calls. It changes when the code that FH runs changes, and only then:
%
%   * a named function (@bandpass_filter, @pkg.fn, a handle to a local function): the
%     text of its file with comments, help text and layout normalised away, which
%     includes its local functions,
%     and, transitively and cycle-safe, the same for every user function it calls;
%   * an anonymous function: its canonical func2str text (the same in MATLAB and GNU
%     Octave), the values it captured (function
%     handles among them by their own fingerprints) and the user functions it calls;
%   * a built-in or library function: its name.
%
%   A called name is a user function when which resolves it to a .m file outside the
%   library folders (scistack.internal.fingerprint_libraries: MATLAB's and Octave's own,
%   support packages and add-ons, the SciStack toolbox's packages; without case on
%   Windows); a class constructor is followed to its classdef file. Names are taken from
%   the code itself: plain and dotted names (pkg.fn, Class.method), names in @handles,
%   quoted single names (feval('f')), and functions in the private folder beside a file.
%   The engine walks the files, applies the text rules (reading sources as UTF-8 on every
%   platform) and keeps what it learnt ('matlab_fingerprint' operation,
%   scistack_engine.matlab_fingerprint); this file describes the handle and resolves
%   the names the engine asks for with which, all of a step in one pass. Files are
%   identified by their package-qualified names (pkg.fn, private/helper), never by
%   their folder, so the fingerprint is the same in every process and on every machine
%   for the same code.
%
%   Not seen (use scilineage.Thunk's 'version' option or recompute when they matter):
%   names built at run time (feval(['step', num2str(k)]), eval), methods of a class the
%   code does not name (an object passed in), method files in @class folders besides
%   the constructor, and the contents of MEX and P-files (named only).
%
%   What a file holds is kept until the file's modification time or size changes, and
%   the folders where functions are looked up are watched, so a repeated call costs one
%   engine call, which takes a few file stamps. The digest itself is computed by the
%   engine, with the one hash implementation of SciStack.
%
%   [FP, INFO] = scistack.internal.fingerprint(FH) also returns INFO.name (the function's
%   name in the fingerprint) and INFO.files (the user files that entered it).
%
%   REPLY = scistack.internal.fingerprint(FH, OPERATION, REQUEST) runs the engine
%   operation OPERATION, one that fingerprints the function it is given (lineage_lookup)
%   or reads its declaration (thunk_options: the captured values are not sent), with
%   the fields of the struct REQUEST and FH's description, so that the fingerprint and
%   the operation take one engine call; REPLY is the operation's. An argument of REQUEST
%   that cannot be encoded raises scistack:value:unsupported.
%
%   scistack.internal.fingerprint('reset') forgets everything kept between calls.
%
%   Errors: scistack:lineage:unfingerprintable for a handle to a nested function, a
%   missing function file, or an anonymous function that captures a value without a
%   content hash (an object): pass such values as arguments instead.
%
%   Example:
%     fp = scistack.internal.fingerprint(@(x) max(x, [], 2));
%     [fp, info] = scistack.internal.fingerprint(@scistack.version);
%
%   See also scilineage.Thunk, scistack.internal.engine_call.

persistent sent  % the search path and working folder the engine last saw
if ischar(fh) && strcmp(fh, 'reset')
    scistack.internal.engine_call('matlab_fingerprint', 'reset', true);
    sent = [];
    digest = '';
    info = struct('name', '', 'files', {{}});
    return
end
if ~isa(fh, 'function_handle')
    error('scistack:lineage:badArgument', 'expected a function handle, got a %s', class(fh));
end
if nargin < 2
    operation = 'matlab_fingerprint';
    request = struct();
end
request = describe(fh, nargout > 1, request, ~strcmp(operation, 'thunk_options'));
environment = {path(), pwd()};
if ~isequal(environment, sent)
    [request.path, request.pwd] = environment{:};
end
try
    reply = scistack.internal.engine_call(operation, request);
catch err
    if ~strcmp(err.identifier, 'scistack:value:unsupported') || nargin > 1
        rethrow(err);
    end
    error('scistack:lineage:unfingerprintable', ...
          ['the anonymous function %s captures a value that has no content hash (%s); ', ...
           'pass it as an argument of the call instead'], func2str(fh), err.message);
end
while isstruct(reply) && isfield(reply, 'resolve')  % names to resolve first
    if reply.libraries
        request.libraries = scistack.internal.fingerprint_libraries();
        [request.path, request.pwd] = environment{:};
    end
    if reply.rehash
        rehash();  % the runtime's own cache of the path's files, which exist and which read
    end
    request.names = reply.resolve;
    request.found = cellfun(@where_is, reply.resolve, 'UniformOutput', false);
    reply = scistack.internal.engine_call(operation, request);
end
sent = environment;
digest = reply;
if nargout > 1
    digest = reply.digest;
    info = struct('name', reply.name, 'files', {reshape(reply.files, 1, [])});
end
end

function request = describe(fh, with_info, request, with_workspace)
% REQUEST with what the engine needs to know about FH: type, text, file and local
% function name (joined by NUL characters), captured values (WITH_WORKSPACE: not for a
% declaration), and whether INFO is wanted.
info = functions(fh);
file = '';
if isfield(info, 'file') && ~isempty(info.file)
    file = info.file;
elseif isfield(info, 'within_file_path') && ~isempty(info.within_file_path)
    file = info.within_file_path;
end
local = '';
if isfield(info, 'function')
    local = info.function;
end
request.handle = [info.type, char(0), func2str(fh), char(0), file, char(0), local];
if with_info
    request.info = true;
end
if with_workspace && strcmp(info.type, 'anonymous') && isfield(info, 'workspace') && ...
        ~isempty(info.workspace)
    workspace = info.workspace;
    if iscell(workspace)
        workspace = workspace{1};
    end
    if ~isempty(fieldnames(workspace))
        request.workspace = portable_values(workspace, func2str(fh));
    end
end
end

function value = portable_values(value, where)
% Captured values with function handles (and Thunks) replaced by their fingerprints.
if isa(value, 'function_handle')
    value = struct('function_handle', scistack.internal.fingerprint(value));
elseif isa(value, 'scilineage.Thunk')
    value = struct('thunk', value.fingerprint);
elseif iscell(value)
    for k = 1:numel(value)
        value{k} = portable_values(value{k}, where);
    end
elseif isstruct(value)
    fields = fieldnames(value);
    for k = 1:numel(value)
        for f = 1:numel(fields)
            value(k).(fields{f}) = portable_values(value(k).(fields{f}), where);
        end
    end
elseif isobject(value) && ~isa(value, 'containers.Map')
    error('scistack:lineage:unfingerprintable', ...
          ['the anonymous function %s captures a %s object, which has no content hash; ', ...
           'pass it as an argument of the call instead'], where, class(value));
end
end

function found_file_path = where_is(looked_up_name)
% The file which gives for a name that can be a function or class ('' otherwise), from
% a scope whose only variable is its argument (which reports variables), without the
% comment MATLAB puts after a class constructor's file ('/work/Gain.m  % Gain constructor').
found_file_path = '';
if any(looked_up_name == '.') || exist(looked_up_name, 'file') == 2 || ...
   exist(looked_up_name, 'class') == 8
    found_file_path = regexprep(which(looked_up_name), '\s+%[^%]*$', '');
end
end
