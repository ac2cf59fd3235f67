classdef Database
    %DATABASE  An open SciStack database: its file, schema keys and engine handle.
    %   DB = scidb.configure_database(PATH, SCHEMA_KEYS) returns a Database; so does
    %   scidb.get_database(). (scidb.Database(INFO) wraps the engine's description of an
    %   open database; there is no need to call it yourself.) The database stays open
    %   in the engine (and current, until another is configured) whether or not DB is
    %   kept: clearing DB closes nothing.
    %
    %   Properties (read-only):
    %     path         the database file (absolute)
    %     schema_keys  the metadata keys of the experiment, a cellstr
    %     read_only    true when opened for inspection only
    %     handle       the engine's number for this opening
    %
    %   Methods:
    %     close(DB)                        close the file (closing twice is harmless)
    %     DB = DB.add_schema_key(KEY)      add a schema key (a new dimension)
    %     P = DB.provenance(VAR, 'subject', 1, ...)   how a record was produced
    %     V = DB.list_versions(VAR, 'subject', 1, ...) every version at the metadata
    %     TF = DB.is_open()                true until closed (here or by a reopening)
    %   VAR is a variable instance (FilteredEMG()) or its class name ('FilteredEMG').
    %
    %   Example:
    %     db = scidb.configure_database('study.duckdb', {'subject', 'session'});
    %     p = db.provenance(FilteredEMG(), 'subject', 1, 'session', 'pre');
    %     p.function_name
    %     db.close();
    %
    %   See also scidb.configure_database, scidb.get_database, scidb.BaseVariable.

    properties (SetAccess = private)
        path = ''
        schema_keys = {}
        read_only = false
        handle = []
    end

    methods

        function db = Database(info)
            % DB = scidb.Database(INFO) wraps the engine's reply to db_configure or
            % db_current (a struct with handle, path, schema_keys, read_only).
            if nargin == 0
                return
            end
            db.handle = info.handle;
            db.path = info.path;
            keys = info.schema_keys;
            if ischar(keys)
                keys = {keys};
            end
            db.schema_keys = reshape(keys, 1, []);
            if isfield(info, 'read_only')
                db.read_only = logical(info.read_only);
            end
        end

        function close(db)
            % close(DB) closes the database file in the engine.
            if isempty(db.handle)
                return
            end
            try
                scistack.internal.engine_call('db_close', 'handle', db.handle);
            catch err
                if ~strcmp(err.identifier, 'scistack:db:notConfigured')
                    rethrow(err);
                end
            end
        end

        function db = add_schema_key(db, key)
            % DB = DB.add_schema_key(KEY) adds the schema key KEY (a name, such as
            % 'trial') to the database file: a new dimension of the experiment.
            % Records saved before have no value for it (NULL in the SQL views); saves
            % from now on may give it. Reopen the file with the longer list of keys
            % from then on (the old list is scistack:db:schemaMismatch). Returns the
            % Database with the new schema_keys (scidb.get_database() does too).
            %
            % Example:
            %   db = scidb.configure_database('study.duckdb', {'subject', 'session'});
            %   db = db.add_schema_key('trial');
            %   RawEMG().save(x, 'subject', 1, 'session', 'pre', 'trial', 3);
            if isstring(key) && numel(key) == 1
                key = char(key);
            end
            info = scistack.internal.engine_call('add_schema_key', 'handle', db.handle, ...
                                                 'key', key);
            keys = info.schema_keys;
            if ischar(keys)
                keys = {keys};
            end
            db.schema_keys = reshape(keys, 1, []);
        end

        function tf = is_open(db)
            % TF = DB.is_open() is true while this opening of the file is open.
            tf = false;
            if isempty(db.handle)
                return
            end
            try
                scistack.internal.engine_call('db_current', 'handle', db.handle);
                tf = true;
            catch
                tf = false;
            end
        end

        function p = provenance(db, variable, varargin)
            % P = DB.provenance(VAR, 'subject', 1, ...) describes how the record was
            % produced: function_name, fingerprint, language, inputs, constants.
            % Options: 'version', N (that version); 'chain', true (a struct array: the
            % record, then every upstream producer).
            name = scidb.internal.variable_name(variable, 'provenance');
            p = scidb.internal.provenance(name, varargin, db.handle);
        end

        function v = list_versions(db, variable, varargin)
            % V = DB.list_versions(VAR, 'subject', 1, ...) is a struct array with one
            % element per version at the matching metadata, oldest first.
            name = scidb.internal.variable_name(variable, 'list_versions');
            v = scidb.internal.list_versions(name, varargin, db.handle);
        end

    end
end
