function scidb_test_cleanup(db, file)
%SCIDB_TEST_CLEANUP  Close and delete a database made by scidb_test_database (tests).
%   scidb_test_cleanup(DB, FILE) closes DB and deletes FILE and its write-ahead log.
%
%   Example:
%     [db, file] = scidb_test_database();
%     scidb_test_cleanup(db, file);
%
%   See also scidb_test_database.

try
    db.close();
catch
    % already closed by the test
end
for name = {file, [file, '.wal']}
    if exist(name{1}, 'file') == 2
        delete(name{1});
    end
end
end
