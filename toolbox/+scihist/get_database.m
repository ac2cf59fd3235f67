function db = get_database()
%GET_DATABASE  The current SciStack database (scidb.get_database).
%   DB = scihist.get_database() returns the current database as a scidb.Database; it
%   raises scistack:db:notConfigured when none is open.
%
%   Example:
%     scihist.configure_database('experiment.duckdb', {'subject', 'session'});
%     db = scihist.get_database();
%
%   See also scidb.get_database, scihist.configure_database.

db = scidb.get_database();
end
