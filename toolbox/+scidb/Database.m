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
    %     P = DB.get_provenance_by_schema('subject', 1)  provenance of every record there
    %     TF = DB.is_open()                true until closed (here or by a reopening)
    %     DB.add_to_var_group(GROUP, VARS) add variables to a variable group
    %     DB.remove_from_var_group(GROUP, VARS)  remove them
    %     G = DB.get_var_group(GROUP)      the group's variables, a cell of instances
    %     N = DB.list_var_groups()         the names of the groups, a cellstr
    %     D = DB.prune_lineage_cache()     drop the cached Thunk calls no saved record
    %                                      needs (counts and freed bytes in D)
    %   VAR is a variable instance (FilteredEMG()) or its class name ('FilteredEMG');
    %   VARS is one VAR or a cell of them (in MATLAB also a string array of names).
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
            db.schema_keys = reshape(info.schema_keys, 1, []);
            if isfield(info, 'read_only')
                db.read_only = logical(info.read_only);
            end
        end

        function close(db)
            % close(DB) closes the database file in the engine.
            if ~isempty(db.handle)  % (closing twice is harmless)
                scistack.internal.engine_call('db_close', 'handle', db.handle);
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
            db.schema_keys = reshape(info.schema_keys, 1, []);
        end

        function tf = is_open(db)
            % TF = DB.is_open() is true while this opening of the file is open.
            tf = ~isempty(db.handle) && ...
                 scistack.internal.engine_call('db_is_open', 'handle', db.handle);
        end

        function p = provenance(db, variable, varargin)
            % P = DB.provenance(VAR, 'subject', 1, ...) describes how the record was
            % produced: function_name, fingerprint, language, inputs, constants.
            % Options: 'version', N (that version); 'chain', true (a struct array: the
            % record, then every upstream producer).
            name = scidb.internal.variable_name(variable, 'provenance');
            p = scidb.internal.provenance(name, varargin, db.handle);
        end

        function add_to_var_group(db, group, variables)
            % DB.add_to_var_group(GROUP, VARS) adds the variables VARS to the variable
            % group GROUP, kept in the database file (created by its first member;
            % a member added twice is kept once).
            %
            % Example:
            %   db.add_to_var_group('kinematics', {RawKinematicData(), StepLength()});
            db.change_var_group('add', group, variables);
        end

        function remove_from_var_group(db, group, variables)
            % DB.remove_from_var_group(GROUP, VARS) removes VARS from GROUP.
            db.change_var_group('remove', group, variables);
        end

        function members = get_var_group(db, group)
            % G = DB.get_var_group(GROUP) is a 1-by-N cell of instances of the group's
            % variable types, sorted by name: a for_each input set, as in
            % scidb.for_each(@fn, db.get_var_group('kinematics'), {Out()}, ...), which
            % passes each as the input of its name, in this order. A member whose classdef is not on
            % the path is an error (scistack:arguments:badVariable).
            names = scistack.internal.engine_call('var_group', 'handle', db.handle, ...
                                                  'action', 'get', 'group', char(group));
            names = cellstr(names);
            members = cell(1, numel(names));
            for k = 1:numel(names)
                if ~scidb.internal.is_variable_class(names{k})
                    error('scistack:arguments:badVariable', ...
                          ['variable group ''%s'': %s is a member, but no classdef ', ...
                           '%s < scidb.BaseVariable is on the path; define it'], ...
                          char(group), names{k}, names{k});
                end
                members{k} = feval(names{k});
            end
        end

        function names = list_var_groups(db)
            % N = DB.list_var_groups() is a cellstr of the variable groups' names.
            names = scistack.internal.engine_call('var_group', 'handle', db.handle, ...
                                                  'action', 'list');
            names = reshape(cellstr(names), 1, []);
        end

        function dropped = prune_lineage_cache(db)
            % D = DB.prune_lineage_cache() drops from the lineage cache what no saved
            % record needs. Every scilineage.Thunk call is kept in the database file,
            % saved or not, so that a later session does not run it again; this drops
            % the calls that no saved record's lineage names (neither as the call that
            % made it nor upstream of it) and the values only they held. Those calls
            % run again when next made. D has the fields dropped_calls, dropped_values
            % and freed_bytes. scistack info (a terminal command) shows the space.
            %
            % Example:
            %   db = scidb.configure_database('study.duckdb', {'subject'});
            %   d = db.prune_lineage_cache();
            %   fprintf('%d calls dropped\n', d.dropped_calls);
            dropped = scistack.internal.engine_call('prune_lineage_cache', ...
                                                    'handle', db.handle);
        end

        function p = get_provenance_by_schema(db, varargin)
            % P = DB.get_provenance_by_schema('subject', 1, ...) is a struct array: the
            % provenance (as DB.provenance gives it) of the latest version of every
            % record, of every variable, whose metadata has these values; a partial
            % address matches every record under it. Ordered by variable, then address.
            p = scidb.internal.pairs_call('schema_provenance', struct('handle', db.handle), ...
                                          varargin);
        end

        function v = list_versions(db, variable, varargin)
            % V = DB.list_versions(VAR, 'subject', 1, ...) is a struct array with one
            % element per version at the matching metadata, oldest first.
            name = scidb.internal.variable_name(variable, 'list_versions');
            v = scidb.internal.list_versions(name, varargin, db.handle);
        end

    end

    methods (Access = private)

        function change_var_group(db, action, group, variables)
            % ACTION ('add' or 'remove') the variables VARIABLES to or from GROUP.
            names = scidb.internal.variable_name(variables, 'variable group');
            scistack.internal.engine_call('var_group', 'handle', db.handle, ...
                                          'action', action, 'group', char(group), ...
                                          'variables', names);
        end

    end
end
