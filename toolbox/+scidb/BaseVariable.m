classdef BaseVariable
    %BASEVARIABLE  Base class of variable types: subclass it with an empty body.
    %   A variable type names one kind of data in the database. Define it in its own
    %   file, with nothing inside:
    %
    %     classdef RawEMG < scidb.BaseVariable
    %     end
    %
    %   The class name is the variable's name in the database and the name of its SQL
    %   view (SELECT * FROM RawEMG). RawEMG() (the inherited BaseVariable() constructor,
    %   without arguments) makes an instance; save and load through it:
    %
    %     ID = RawEMG().save(VALUE, 'subject', 1, 'session', 'pre')
    %         saves VALUE at that metadata and returns the record id (char). Content that
    %         differs from the latest version there adds a version; the same content again
    %         adds nothing and returns the existing id. VALUE may be a loaded variable
    %         (its data is saved) or a lineage result (its lineage is saved with it).
    %         A key SciStack uses itself ('value', 'record_id', 'version_id', ...) raises
    %         scistack:metadata:reservedKey; a key that is no schema key
    %         scistack:metadata:unknownKey.
    %     X = RawEMG().load('subject', 1, 'session', 'pre')
    %         the latest version of the record, as a RawEMG with the properties below.
    %         Give 'version', N for an older version, or 'version', RECORD_ID for the
    %         version saved as that record id (metadata optional); also 'all' (every
    %         version) or a vector of version numbers. When one record is meant (one
    %         found, with every schema key given one value or exactly the keys it was
    %         saved with), X is one instance; otherwise (a partial address, several
    %         values such as 'subject', [1 2 3], or several records) X is an N-by-1 cell
    %         array of instances. Nothing found raises
    %         scistack:db:notFound. A name that is not a metadata key selects by a
    %         constant of the function that produced the record ('low_hz', 20).
    %     T = RawEMG().load_all('subject', 1)
    %         every matching record (all when no metadata is given), latest versions, as
    %         a table in MATLAB and a struct of N-by-1 columns in GNU Octave: one column
    %         per metadata key, then data. 'as_table', false returns a cell of instances.
    %         'include_record_id', true adds a record_id column before data; 'version'
    %         (or 'version_id', its other name) picks versions as in load.
    %     V = RawEMG().list_versions('subject', 1)   every version (a struct array:
    %         record_id, version, content_hash, created_at, function_name, constants, ...)
    %     P = RawEMG().provenance('subject', 1, 'session', 'pre')   how it was produced
    %     C = RawEMG().col('name')   a column selection, as a for_each input or filter
    %   Every call also takes 'db', DB (a scidb.Database) to use another open database.
    %   Names may be char or string: in MATLAB, RawEMG().load(subject=1, session="pre").
    %
    %   A type the value model does not hold (an object of your own class) defines
    %   two static methods in its classdef: STORED = to_db(DATA), returning a value the
    %   model holds (a struct, say), and DATA = from_db(STORED), turning it back; save,
    %   load, load_all and for_each of that type go through them.
    %
    %   Properties of a loaded instance: data (the value as saved: class and size kept),
    %   metadata (a struct), record_id, version (1 for the first save) and content_hash.
    %
    %   Example:
    %     scidb.configure_database('experiment.duckdb', {'subject', 'session'});
    %     RawEMG().save(randn(1000, 1), 'subject', 1, 'session', 'pre');
    %     raw = RawEMG().load('subject', 1, 'session', 'pre');
    %     size(raw.data)          % [1000 1]
    %
    %   See also scidb.configure_database, scidb.for_each, scidb.Col, scidb.Fixed.

    properties
        data = []
        metadata = struct()
        record_id = ''
        version = []
        content_hash = ''
    end

    methods

        function id = save(obj, value, varargin)
            % ID = VAR().save(VALUE, 'key', value, ...) saves VALUE; returns the record id.
            request = struct('variable', class(obj));
            if isa(value, 'scidb.BaseVariable')
                value = value.data;
            elseif isobject(value) && isprop(value, 'lineage') && isprop(value, 'data') && ...
                    isprop(value, 'output_index')
                request.lineage = value.lineage;
                request.output_index = value.output_index;
                value = value.data;
            end
            if scidb.BaseVariable.serialises(obj)
                value = obj.to_db(value);
            end
            request.value = scistack.internal.wire_encode(value);
            id = scidb.internal.pairs_call('save', request, varargin);
        end

        function result = load(obj, varargin)
            % X = VAR().load('key', value, ...) loads the latest version ('version', N:
            % version N; 'version', RECORD_ID: that record).
            reply = scidb.internal.pairs_call('var_load', ...
                                              struct('variable', class(obj), 'all', false), ...
                                              varargin);
            result = scidb.BaseVariable.instances(obj, reply.records);
            if reply.single
                result = result{1};
            end
        end

        function result = load_all(obj, varargin)
            % T = VAR().load_all('key', value, ...): matching records as a table
            % ('include_record_id', true adds a record_id column; 'version' or
            % 'version_id' picks versions as load does, or 'all'; 'as_table', false: a
            % cell of instances).
            reply = scidb.internal.pairs_call('var_load', ...
                                              struct('variable', class(obj), 'all', true), ...
                                              varargin);
            if isfield(reply, 'records')
                result = scidb.BaseVariable.instances(obj, reply.records);
                return
            end
            values = scistack.internal.wire_decode(reply.values);
            if scidb.BaseVariable.serialises(obj)
                values = cellfun(@(v) obj.from_db(v), values, 'UniformOutput', false);
            end
            columns = reply.columns;  % reply.keys, a cell (the engine sends a list)
            columns.data = scidb.internal.tidy_column(values, true(numel(values), 1));
            result = scidb.internal.columns_table(columns, ...
                                                  [reshape(reply.keys, 1, []), {'data'}], ...
                                                  numel(values));
        end

        function v = list_versions(obj, varargin)
            % V = VAR().list_versions('key', value, ...): every version, oldest first.
            v = scidb.internal.list_versions(class(obj), varargin, []);
        end

        function p = provenance(obj, varargin)
            % P = VAR().provenance('key', value, ...): how the record was produced.
            p = scidb.internal.provenance(class(obj), varargin, []);
        end

        function c = col(obj, columns)
            % C = VAR().col('name') or VAR().col({'a', 'b'}): selected table columns.
            c = scidb.Col(obj, columns);
        end

        function n = name(obj)
            % N = VAR().name(): the variable's name in the database (its class name).
            n = class(obj);
        end

    end

    methods (Static)

        function stored = to_db(data)
            % STORED = VAR.to_db(DATA) is the value stored for DATA. Override it (a static
            % method of your classdef) for a type the value model does not hold (an
            % object of your own class, say): return a value it holds, such as a struct.
            % The default stores DATA itself.
            stored = data;
        end

        function data = from_db(stored)
            % DATA = VAR.from_db(STORED) is the data of a record from its stored value
            % (what to_db returned). Override it together with to_db.
            data = stored;
        end

        function tf = serialises(obj)
            % TF = scidb.BaseVariable.serialises(VAR()) is true when the class of VAR
            % defines its own to_db or from_db.
            methods_list = metaclass(obj).MethodList;
            tf = false;
            for k = 1:numel(methods_list)
                if iscell(methods_list)
                    method = methods_list{k};
                else
                    method = methods_list(k);
                end
                if any(strcmp(method.Name, {'to_db', 'from_db'})) && ...
                        ~strcmp(method.DefiningClass.Name, 'scidb.BaseVariable')
                    tf = true;
                    return
                end
            end
        end

    end

    methods (Static, Access = protected)

        function result = instances(obj, records)
            % The records of a var_load reply as an N-by-1 cell of instances of OBJ's class.
            result = cell(numel(records), 1);
            custom = scidb.BaseVariable.serialises(obj);
            for k = 1:numel(records)
                record = records{k};
                item = obj;
                item.data = scistack.internal.wire_decode(record.value);
                if custom
                    item.data = obj.from_db(item.data);
                end
                item.metadata = record.metadata;
                item.record_id = record.record_id;
                item.version = record.version;
                item.content_hash = record.content_hash;
                result{k} = item;
            end
        end

    end
end
