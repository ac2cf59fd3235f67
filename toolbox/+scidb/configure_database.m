function db = configure_database(path, varargin)
%CONFIGURE_DATABASE  Open or create a SciStack database file and make it current.
%   DB = scidb.configure_database(PATH, SCHEMA_KEYS) opens the DuckDB file PATH
%   (created when missing; ':memory:' for a database in memory) and makes it the
%   current database: every save, load and for_each without a 'db' option uses it.
%   SCHEMA_KEYS names the metadata keys that identify your experiment's conditions, in
%   order: a cellstr such as {'subject', 'session'} (in MATLAB also a string array such
%   as ["subject", "session"]). In GNU Octave, ["subject", "session"] is the one char
%   row 'subjectsession' and makes ONE key 'subjectsession': write a cell array there.
%   Every key of a save or for_each is a schema key (scistack:metadata:unknownKey
%   otherwise). The keys are fixed when the file is created, except that
%   DB.add_schema_key(KEY) adds one; reopening with other keys is an error
%   (scistack:db:schemaMismatch).
%   DB = scidb.configure_database(PATH, 'dataset_schema_keys', SCHEMA_KEYS) gives the
%   keys by name (in MATLAB: dataset_schema_keys=["subject", "session"]), the name the
%   Python keyword has too.
%   DB = scidb.configure_database(..., 'read_only', true) opens it for inspection only.
%   DB = scidb.configure_database(..., 'timeout', SECONDS) waits up to SECONDS while
%   another process has the file open (a writer, or a reader when opening for writing);
%   the error scistack:db:locked then names that process. Without it the error is
%   immediate.
%
%   Configuring a file that is already open (running a script again, say) closes the
%   earlier opening first, so Database objects from before no longer work.
%
%   Example:
%     db = scidb.configure_database('experiment.duckdb', {'subject', 'session'});
%     RawEMG().save(randn(1000, 1), 'subject', 1, 'session', 'pre');
%
%   See also scidb.get_database, scidb.Database, scidb.BaseVariable, scidb.for_each.

[schema_keys, options] = split_arguments(varargin);
read_only = isfield(options, 'read_only') && logical(options.read_only);
timeout = 0;
if isfield(options, 'timeout')
    timeout = options.timeout;
    if ~isnumeric(timeout) || ~isscalar(timeout) || ~isreal(timeout) || ~(timeout >= 0)
        error('scistack:arguments:badTimeout', ...
              'configure_database: ''timeout'' is a number of seconds, 0 or more');
    end
    timeout = double(timeout);
end
path = absolute_path(text_value(path, 'the database file'));
keys = key_list(schema_keys);
info = scistack.internal.engine_call('db_configure', 'path', path, 'schema_keys', keys, ...
                                     'read_only', read_only, 'timeout', timeout);
db = scidb.Database(info);
end

function [schema_keys, options] = split_arguments(args)
% The schema keys (given first, or as 'dataset_schema_keys') and the options.
by_name = ~isempty(args) && is_name(args{1}, 'dataset_schema_keys') && numel(args) > 1;
if by_name
    pairs = args;
else
    pairs = args(2:end);
end
if isempty(args)
    pairs = {};
end
[extra, options] = scidb.internal.parse_metadata(pairs, ...
                                                 {'read_only', 'timeout', ...
                                                  'dataset_schema_keys'}, ...
                                                 'configure_database');
if ~isempty(fieldnames(extra))
    error('scistack:arguments:unknownOption', ...
          ['configure_database: the options are ''dataset_schema_keys'' (the schema ', ...
           'keys), ''read_only'' (true or false) and ''timeout'' (seconds)']);
end
has_named = isfield(options, 'dataset_schema_keys');
if isempty(args) || (~by_name && has_named)
    error('scistack:arguments:missing', ...
          ['configure_database needs a file and the schema keys, given once, for ', ...
           'example scidb.configure_database(''study.duckdb'', {''subject'', ''session''})']);
end
if has_named
    schema_keys = options.dataset_schema_keys;
else
    schema_keys = args{1};
end
end

function tf = is_name(value, name)
tf = (ischar(value) || (isstring(value) && numel(value) == 1)) && strcmpi(char(value), name);
end

function text = text_value(text, what)
if isstring(text) && numel(text) == 1
    text = char(text);
end
if ~ischar(text) || isempty(text) || size(text, 1) ~= 1
    error('scistack:arguments:badPath', ...
          'configure_database: %s must be text, for example ''study.duckdb''', what);
end
end

function keys = key_list(keys)
% The schema keys as a cellstr column.
if isstring(keys)
    keys = cellstr(keys);
elseif ischar(keys) && size(keys, 1) == 1
    keys = {keys};
end
if ~iscell(keys) || isempty(keys)
    error('scistack:arguments:badSchemaKeys', ...
          ['configure_database: the schema keys are a cellstr of names, for example ', ...
           '{''subject'', ''session''}']);
end
for k = 1:numel(keys)
    if isstring(keys{k})
        keys{k} = char(keys{k});
    end
    if ~ischar(keys{k}) || ~isvarname(keys{k})
        error('scistack:arguments:badSchemaKeys', ...
              ['configure_database: schema keys are names made of a letter followed by ', ...
               'letters, digits or underscores']);
    end
end
keys = keys(:);
end

function path = absolute_path(path)
% PATH made absolute against the current folder (the engine may have another one).
if strcmp(path, ':memory:')
    return
end
if path(1) == '~'
    home = getenv('HOME');
    if isempty(home)
        home = getenv('USERPROFILE');
    end
    path = [home, path(2:end)];
end
absolute = path(1) == '/' || path(1) == '\' || ...
    (numel(path) > 1 && path(2) == ':' && isletter(path(1)));
if ~absolute
    path = fullfile(pwd, path);
end
end
