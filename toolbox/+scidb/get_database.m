function db = get_database()
%GET_DATABASE  The current SciStack database.
%   DB = scidb.get_database() returns the database that the last
%   scidb.configure_database (or scihist.configure_database) opened, as a
%   scidb.Database. It raises scistack:db:notConfigured when none is open.
%
%   Example:
%     scidb.configure_database('study.duckdb', {'subject', 'session'});
%     db = scidb.get_database();
%     db.schema_keys
%
%   See also scidb.configure_database, scidb.Database.

db = scidb.Database(scistack.internal.engine_call('db_current'));
end
