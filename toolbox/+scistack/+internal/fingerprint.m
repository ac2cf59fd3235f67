function [digest, info] = fingerprint(fh)
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
%   The engine reads source files (as UTF-8 on every platform) and applies the text rules
%   ('matlab_source' operation, scistack_engine.matlab_code); this file gathers the
%   files, resolves names with which and keeps what it learnt. Files are
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
%   the folders where functions are looked up are watched, so a repeated call costs a
%   few file stamps and no engine call. The digest itself is computed by the engine
%   ('hash' operation), the one hash implementation of SciStack.
%
%   [FP, INFO] = scistack.internal.fingerprint(FH) also returns INFO.name (the function's
%   name in the fingerprint) and INFO.files (the user files that entered it).
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
%   See also scilineage.Thunk, scistack.internal.fingerprint_signature,
%   scistack.internal.engine_call.

persistent state
if isempty(state) || (ischar(fh) && strcmp(fh, 'reset'))
    state = new_state();
    if ischar(fh)
        digest = '';
        info = struct('name', '', 'files', {{}});
        return
    end
end
if ~isa(fh, 'function_handle')
    error('scistack:lineage:badArgument', 'expected a function handle, got a %s', class(fh));
end
state = check_environment(state);
[digest, name, files, state] = digest_of(state, fh);
if nargout > 1
    info = struct('name', name, 'files', {files});
end
end

% ------------------------------------------------------------------------ state

function state = new_state()
octave = exist('OCTAVE_VERSION', 'builtin') > 0;
if octave
    stamps_from = 1;  % stat
elseif usejava('jvm')
    stamps_from = 2;  % java.io.File
else
    stamps_from = 3;  % dir
end
state = struct('octave', octave, 'stamps_from', stamps_from, ...
               'libraries', scistack.internal.fingerprint_libraries(), ...
               'env_text', '', ...
               'watch', {{}}, 'watch_stamps', [], 'watch_lists', {{}}, ...
               'packages', {{}}, 'env', 0, ...
               'file_keys', {{}}, 'file_entries', {{}}, ...
               'result_keys', {{}}, 'result_values', {{}}, ...
               'name_keys', {{}}, 'name_values', {{}}, ...
               'folder_keys', {{}}, 'folder_values', {{}});
end

function state = check_environment(state)
% A new search path or working folder, or a function file added to or removed from a
% watched folder, can change what a name resolves to: then every resolution is made
% again. Other files coming and going (data files written beside the code) change a
% folder's time but not its functions, and cost one listing of that folder.
env = [path(), pathsep, pwd()];
if strcmp(env, state.env_text)
    stamps = folder_stamps(state, state.watch);
    changed = find(stamps ~= state.watch_stamps);
    if isempty(changed)
        return
    end
    state.watch_stamps = stamps;
    same = true;
    for k = reshape(changed, 1, [])
        listing = folder_listing(state.watch{k});
        same = same && numel(listing) == numel(state.watch_lists{k}) && ...
               all(strcmp(listing, state.watch_lists{k}));
        state.watch_lists{k} = listing;
    end
    if same
        return
    end
end
state.env_text = env;
rehash();  % the runtime's own cache of the path's files, which exist and which read
state = watch_folders(state);
state.env = state.env + 1;
state.name_keys = {};
state.name_values = {};
state.folder_keys = {};
state.folder_values = {};
end

function state = watch_folders(state)
% The user folders on the path (and the working folder), their private folders and
% their package folders, with what each holds; and the names of the packages there.
folders = [{pwd()}, strsplit(path(), pathsep)];
folders = folders(~cellfun(@isempty, folders) & ~strcmp(folders, '.'));
user = folders(~cellfun(@(f) under_roots(state, [f, filesep]), folders));
[~, first] = unique(user);
user = user(sort(first));
watch = user;
lists = cell(size(user));
packages = {};
for k = 1:numel(user)
    lists{k} = folder_listing(user{k});
    for j = 1:numel(lists{k})
        name = lists{k}{j};
        if strcmp(name, 'private') || name(1) == '+'
            watch{end + 1} = fullfile(user{k}, name); %#ok<AGROW>
            lists{end + 1} = folder_listing(watch{end}); %#ok<AGROW>
        end
        if name(1) == '+'
            packages{end + 1} = name(2:end); %#ok<AGROW>
        end
    end
end
state.watch = watch;
state.watch_lists = lists;
state.watch_stamps = folder_stamps(state, watch);
state.packages = unique(packages);
end

function names = folder_listing(folder)
% What in FOLDER can define a function: .m files, package, class and private folders.
listing = dir(folder);
names = sort({listing.name});
keep = ~cellfun(@isempty, regexp(names, '^(.+\.m|[+@]\w+|private)$', 'once'));
names = names(keep);
end

function stamps = folder_stamps(state, folders)
% Each folder's modification time (-1 when it is missing).
stamps = zeros(numel(folders), 1);
if state.stamps_from == 1  % (the common case inline: this runs at every call)
    for k = 1:numel(folders)
        [entry, failed] = stat(folders{k});
        if failed == 0
            stamps(k) = entry.mtime;
        else
            stamps(k) = -1;
        end
    end
    return
end
for k = 1:numel(folders)
    stamp = file_stamp(state, folders{k});
    if isempty(stamp)
        stamps(k) = -1;
    else
        stamps(k) = stamp(1);
    end
end
end

function stamp = file_stamp(state, file)
% [modification time in seconds, size in bytes], or [] when the file is missing. GNU
% Octave: stat; MATLAB: java.io.File when Java runs (much cheaper than dir), else dir.
if state.stamps_from == 1
    [entry, failed] = stat(file);
    if failed == 0
        stamp = [entry.mtime, entry.size];
    else
        stamp = [];
    end
elseif state.stamps_from == 2
    entry = java.io.File(file);
    if entry.exists()
        stamp = [double(entry.lastModified()) / 1000, double(entry.length())];
    else
        stamp = [];
    end
else
    entry = dir(file);
    if isempty(entry)
        stamp = [];
    elseif numel(entry) == 1
        stamp = [entry.datenum * 86400, entry.bytes];
    else  % a folder: its own entry is '.'
        entry = entry(strcmp({entry.name}, '.'));
        stamp = [entry(1).datenum * 86400, 0];
    end
end
end

function tf = same_numbers(a, b)
% isequal for two numeric arrays of the same shape (isequal is slow in Octave).
tf = numel(a) == numel(b) && all(a(:) == b(:));
end

function seconds = now_seconds(state)
% The current time on the clock of file_stamp.
if state.stamps_from == 1
    seconds = time();
elseif state.stamps_from == 2
    seconds = double(java.lang.System.currentTimeMillis()) / 1000;
else
    seconds = now() * 86400;
end
end

% ------------------------------------------------------------------------ digests

function [digest, name, files, state] = digest_of(state, fh)
info = functions(fh);
if strcmp(info.type, 'anonymous')
    [digest, name, files, state] = anonymous_digest(state, fh, info);
    return
end
hint = '';
if isfield(info, 'file')
    hint = info.file;
end
key = [info.type, ':', func2str(fh), ':', hint];
[result, state] = cached_result(state, key);
if ~isempty(result)
    digest = result.digest;
    name = result.name;
    files = result.files;
    return
end
switch info.type
    case {'simple', 'classsimple'}
        name = regexprep(func2str(fh), '^@', '');
        file = hint;
        if ~user_file(state, file)
            [file, state] = resolve_name(state, name);
        end
    case {'scopedfunction', 'subfunction'}
        file = hint;
        name = [file_label(file), '>', info.function];
        if ~user_file(state, file)
            name = info.function;
            file = '';
        end
    case 'nested'
        error('scistack:lineage:unfingerprintable', ...
              ['%s is a nested function, whose result depends on its parent''s variables: ', ...
               'use a local function or an anonymous function instead'], func2str(fh));
    otherwise
        error('scistack:lineage:unfingerprintable', ...
              'cannot fingerprint a function handle of type ''%s'' (%s)', info.type, ...
              func2str(fh));
end
if isempty(file)
    digest = engine_hash(struct('scheme', 'scistack-matlab-library-v1', 'function', name));
    result = struct('env', state.env, 'files', {{}}, 'texts', {{}}, ...
                    'stamps', zeros(0, 2), 'racy', false(0, 1), 'digest', digest, 'name', name);
else
    [result, state] = code_digest(state, {file}, name);
end
state = store_result(state, key, result);
digest = result.digest;
files = result.files;
end

function [digest, name, files, state] = anonymous_digest(state, fh, info)
% Canonical text, captured values, and the user functions the body calls.
context = '';
if isfield(info, 'file') && ~isempty(info.file)
    context = info.file;
elseif isfield(info, 'within_file_path') && ~isempty(info.within_file_path)
    context = info.within_file_path;
end
raw = func2str(fh);
key = ['anonymous:', context, ':', raw];
[result, state] = cached_result(state, key);
fresh = isempty(result);
if fresh
    source = scistack.internal.engine_call('matlab_source', 'anonymous', raw);
    canonical = source{1};
    names = source{2};
    folder = '';
    if ~isempty(context)
        folder = fileparts(context);
    end
    [roots, state] = resolve_names(state, names, {}, folder);
    if isempty(roots)
        result = struct('env', state.env, 'files', {{}}, 'texts', {{}}, ...
                        'stamps', zeros(0, 2), 'racy', false(0, 1), 'digest', '');
    else
        [result, state] = code_digest(state, roots, '');
    end
    result.name = canonical;
    result.code = result.digest;
    result.digest = '';
    result.workspace = [];
end
workspace = struct();
if isfield(info, 'workspace') && ~isempty(info.workspace)
    workspace = info.workspace;
    if iscell(workspace)
        workspace = workspace{1};
    end
end
name = result.name;
files = result.files;
% The same captured values as at the last call (compared bit for bit): the same digest.
if ~isempty(result.digest) && same_value(workspace, result.workspace)
    digest = result.digest;
    if fresh
        state = store_result(state, key, result);
    end
    return
end
[plain, state] = portable_values(state, workspace, name);
value = struct('scheme', 'scistack-matlab-anonymous-v1', 'text', name, ...
               'code', result.code, 'workspace', plain);
try
    digest = engine_hash(value);
catch err
    if ~strcmp(err.identifier, 'scistack:value:unsupported')
        rethrow(err);
    end
    error('scistack:lineage:unfingerprintable', ...
          ['the anonymous function %s captures a value that has no content hash (%s); ', ...
           'pass it as an argument of the call instead'], name, err.message);
end
result.digest = digest;
result.workspace = workspace;
state = store_result(state, key, result);
end

function tf = same_value(a, b)
% True when A and B have the same class, size and bits (cells and structs compared
% element by element). Function handles and objects are never the same: their
% fingerprints are taken again.
tf = strcmp(class(a), class(b)) && ndims(a) == ndims(b) && all(size(a) == size(b));
if ~tf
    return
end
if isfloat(a)
    tf = ~issparse(a) && ~issparse(b) && isreal(a) == isreal(b);
    if tf && isreal(a)
        tf = all(typecast(a(:), 'uint8') == typecast(b(:), 'uint8'));
    elseif tf
        tf = all(typecast([real(a(:)); imag(a(:))], 'uint8') == ...
                 typecast([real(b(:)); imag(b(:))], 'uint8'));
    end
elseif isnumeric(a) || islogical(a) || ischar(a)
    tf = ~issparse(a) && ~issparse(b) && all(a(:) == b(:));
elseif iscell(a)
    for k = 1:numel(a)
        if ~same_value(a{k}, b{k})
            tf = false;
            return
        end
    end
elseif isstruct(a)
    fields = fieldnames(a);
    others = fieldnames(b);
    tf = numel(fields) == numel(others) && all(strcmp(fields, others));
    for k = 1:numel(a) * tf
        for f = 1:numel(fields)
            if ~same_value(a(k).(fields{f}), b(k).(fields{f}))
                tf = false;
                return
            end
        end
    end
else
    tf = false;
end
end

function [value, state] = portable_values(state, value, where)
% Captured values with function handles (and Thunks) replaced by their fingerprints.
if isa(value, 'function_handle')
    [digest, ~, ~, state] = digest_of(state, value);
    value = struct('function_handle', digest);
elseif isa(value, 'scilineage.Thunk')
    value = struct('thunk', value.fingerprint);
elseif iscell(value)
    for k = 1:numel(value)
        [value{k}, state] = portable_values(state, value{k}, where);
    end
elseif isstruct(value)
    fields = fieldnames(value);
    for k = 1:numel(value)
        for f = 1:numel(fields)
            [value(k).(fields{f}), state] = portable_values(state, value(k).(fields{f}), where);
        end
    end
elseif isobject(value) && ~isa(value, 'containers.Map')
    error('scistack:lineage:unfingerprintable', ...
          ['the anonymous function %s captures a %s object, which has no content hash; ', ...
           'pass it as an argument of the call instead'], where, class(value));
end
end

function [result, state] = code_digest(state, roots, name)
% The digest of the files ROOTS and every user file they call, transitively.
[files, labels, texts, stamps, racy, state] = closure(state, roots);
[~, order] = sort(strcat(labels, {char(10)}, texts));
table = [labels(order); texts(order)]';
digest = engine_hash(struct('scheme', 'scistack-matlab-function-v1', 'function', name, ...
                            'files', {table}));
result = struct('env', state.env, 'files', {files}, 'texts', {texts}, 'stamps', stamps, ...
                'racy', racy, 'digest', digest, 'name', name);
end

function digest = engine_hash(value)
digest = scistack.internal.engine_call('hash', 'value', value);
end

% ------------------------------------------------------------------------ results

function [result, state] = cached_result(state, key)
% The kept result for KEY when every file it was made from is unchanged, else [].
result = [];
k = find(strcmp(key, state.result_keys), 1);
if isempty(k)
    return
end
kept = state.result_values{k};
if kept.env ~= state.env
    return
end
files = kept.files;
if ~any(kept.racy)
    stamps = zeros(numel(files), 2);
    for f = 1:numel(files)
        stamp = file_stamp(state, files{f});
        if isempty(stamp)
            return
        end
        stamps(f, :) = stamp;
    end
    if same_numbers(stamps, kept.stamps)
        result = kept;
        return
    end
end
% Something may have changed: each file's normalised text decides.
for f = 1:numel(files)
    [entry, state] = load_entry(state, files{f});
    if isempty(entry) || ~strcmp(entry.text, kept.texts{f}) || entry.env ~= state.env
        return
    end
    kept.stamps(f, :) = entry.stamp;
    kept.racy(f) = entry.racy;
end
result = kept;
state.result_values{k} = kept;
end

function state = store_result(state, key, result)
k = find(strcmp(key, state.result_keys), 1);
if isempty(k)
    k = numel(state.result_keys) + 1;
    state.result_keys{k} = key;
end
state.result_values{k} = result;
end

% ------------------------------------------------------------------------ files

function [files, labels, texts, stamps, racy, state] = closure(state, roots)
% ROOTS and the user files they call, transitively; each file once (cycles are fine).
files = roots(:)';
labels = {};
texts = {};
stamps = zeros(0, 2);
racy = false(0, 1);
k = 1;
while k <= numel(files)
    [entry, state] = load_entry(state, files{k});
    if isempty(entry)
        if k <= numel(roots)
            error('scistack:lineage:unfingerprintable', 'the function file %s does not exist', ...
                  files{k});
        end
        files(k) = [];  % removed since it was found: the next check resolves again
        continue
    end
    if entry.env ~= state.env
        [entry.deps, state] = resolve_names(state, entry.names, entry.defs, ...
                                            fileparts(entry.path));
        entry.env = state.env;
        state = store_entry(state, entry);
    end
    files = [files, entry.deps(~ismember(entry.deps, files))]; %#ok<AGROW>
    labels{end + 1} = entry.label; %#ok<AGROW>
    texts{end + 1} = entry.text; %#ok<AGROW>
    stamps(end + 1, :) = entry.stamp; %#ok<AGROW>
    racy(end + 1, 1) = entry.racy; %#ok<AGROW>
    k = k + 1;
end
end

function [entry, state] = load_entry(state, file)
% What FILE holds (normalised code, names, declarations), read again only when changed.
stamp = file_stamp(state, file);
if isempty(stamp)
    entry = [];
    return
end
k = find(strcmp(file, state.file_keys), 1);
previous = [];
if ~isempty(k)
    previous = state.file_entries{k};
    if same_numbers(stamp, previous.stamp) && ~previous.racy
        entry = previous;
        return
    end
end
source = scistack.internal.engine_call('matlab_source', 'file', file);
entry = struct('path', file, 'stamp', stamp, 'racy', false, 'text', source{1}, ...
               'names', {source{2}}, 'defs', {source{3}}, 'label', file_label(file), ...
               'env', -1, 'deps', {{}});
if ~isempty(previous) && strcmp(previous.text, entry.text)
    entry.env = previous.env;  % the same code: what it calls is the same
    entry.deps = previous.deps;
end
% Times have one-second resolution: a file modified within two seconds of this read
% may change again with the same stamp, so it is read again at the next check.
entry.racy = now_seconds(state) - stamp(1) < 2;
state = store_entry(state, entry);
end

function state = store_entry(state, entry)
k = find(strcmp(entry.path, state.file_keys), 1);
if isempty(k)
    k = numel(state.file_keys) + 1;
    state.file_keys{k} = entry.path;
end
state.file_entries{k} = entry;
end

function label = file_label(file)
% The package-qualified name of a function file: helper, pkg.sub.fn, private/helper.
[folder, label] = fileparts(file);
parts = regexp(folder, '[\\/]', 'split');
for k = numel(parts):-1:1
    part = parts{k};
    if numel(part) > 1 && part(1) == '+'
        label = [part(2:end), '.', label]; %#ok<AGROW>
    elseif strcmp(part, 'private') || (numel(part) > 1 && part(1) == '@')
        label = [part, '/', label]; %#ok<AGROW>
    else
        break
    end
end
end

% ------------------------------------------------------------------------ names

function [deps, state] = resolve_names(state, names, defs, folder)
% The user function files that NAMES (used in code in FOLDER) resolve to.
deps = {};
names = names(~ismember(names, defs));
private_names = {};
siblings = {};
if ~isempty(folder)
    [private_names, state] = folder_functions(state, fullfile(folder, 'private'));
    [~, folder_name] = fileparts(folder);
    if strcmp(folder_name, 'private')
        [siblings, state] = folder_functions(state, folder);
    end
end
for k = 1:numel(names)
    name = names{k};
    if any(name == '.')
        parts = strsplit(name, '.');
        if any(strcmp(parts{1}, state.packages))
            for n = numel(parts):-1:2
                [file, state] = resolve_name(state, strjoin(parts(1:n), '.'));
                if ~isempty(file)
                    deps{end + 1} = file; %#ok<AGROW>
                    break
                end
            end
            continue
        end
        name = parts{1};
    end
    if any(strcmp(name, private_names))
        deps{end + 1} = fullfile(folder, 'private', [name, '.m']); %#ok<AGROW>
    elseif any(strcmp(name, siblings))
        deps{end + 1} = fullfile(folder, [name, '.m']); %#ok<AGROW>
    else
        [file, state] = resolve_name(state, name);
        if ~isempty(file)
            deps{end + 1} = file; %#ok<AGROW>
        end
    end
end
deps = unique(deps);
end

function [file, state] = resolve_name(state, name)
% The user .m file that NAME resolves to on the path, or '' (library, variable, none).
k = find(strcmp(name, state.name_keys), 1);
if ~isempty(k)
    file = state.name_values{k};
    return
end
file = '';
if any(name == '.') || exist(name, 'file') == 2 || exist(name, 'class') == 8
    file = where_is(name);
    if ~user_file(state, file)
        file = '';
    end
end
state.name_keys{end + 1} = name;
state.name_values{end + 1} = file;
end

function found_file_path = where_is(looked_up_name)
% which, from a scope whose only variable is its argument (which reports variables),
% without the comment MATLAB puts after a class constructor's file
% ('/work/Gain.m  % Gain constructor').
found_file_path = regexprep(which(looked_up_name), '\s+%[^%]*$', '');
end

function [names, state] = folder_functions(state, folder)
% The names of the .m files in FOLDER (an empty list when it does not exist).
k = find(strcmp(folder, state.folder_keys), 1);
if ~isempty(k)
    names = state.folder_values{k};
    return
end
names = {};
if ~isempty(folder) && exist(folder, 'dir') == 7
    listing = dir(fullfile(folder, '*.m'));
    names = regexprep({listing.name}, '\.m$', '');
end
state.folder_keys{end + 1} = folder;
state.folder_values{end + 1} = names;
end

function tf = user_file(state, file)
% True for an absolute path of a .m file outside the library folders.
tf = ischar(file) && numel(file) > 2 && strcmp(file(end - 1:end), '.m') && ...
     (file(1) == '/' || file(1) == '\' || (numel(file) > 2 && file(2) == ':')) && ...
     ~under_roots(state, file);
end

function tf = under_roots(state, file)
tf = scistack.internal.fingerprint_libraries(state.libraries, file);
end
