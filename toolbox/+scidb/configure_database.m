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

% The engine reads the arguments (scistack_engine/gateway/scidb_arguments.py).
info = scistack.internal.engine_call('db_configure', 'path', path, 'arguments', varargin, ...
                                     'folder', pwd);
db = scidb.Database(info);
end
