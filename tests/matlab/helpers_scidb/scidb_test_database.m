function [db, file] = scidb_test_database(keys)
%SCIDB_TEST_DATABASE  A new database in a temporary file, configured as current (tests).
%   [DB, FILE] = scidb_test_database() configures a fresh database with the schema keys
%   {'subject', 'session'}; scidb_test_database(KEYS) uses KEYS. Remove it with
%   scidb_test_cleanup(DB, FILE).
%
%   Example:
%     [db, file] = scidb_test_database();
%
%   See also scidb_test_cleanup.

if nargin < 1
    keys = {'subject', 'session'};
end
file = [tempname(), '.duckdb'];
db = scidb.configure_database(file, keys);
end
