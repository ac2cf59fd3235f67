function db = configure_database(path, varargin)
%CONFIGURE_DATABASE  Open or create a SciStack database file and make it current.
%   DB = scihist.configure_database(PATH, SCHEMA_KEYS) is scidb.configure_database:
%   it opens (or creates) the DuckDB file PATH with the metadata keys SCHEMA_KEYS (a
%   cellstr, or in MATLAB a string array) and makes it the current database, for
%   scihist.for_each, scidb.for_each and every save and load.
%   DB = scihist.configure_database(PATH, 'dataset_schema_keys', SCHEMA_KEYS) names the
%   keys, as in Python.
%   DB = scihist.configure_database(..., 'read_only', true) opens it for inspection.
%
%   Example:
%     db = scihist.configure_database('experiment.duckdb', {'subject', 'session'});
%
%   See also scidb.configure_database, scihist.for_each, scihist.get_database.

db = scidb.configure_database(path, varargin{:});
end
