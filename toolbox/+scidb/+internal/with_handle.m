function request = with_handle(request, options, handle)
%WITH_HANDLE  Name the database of an engine request (not for direct use).
%   REQUEST = scidb.internal.with_handle(REQUEST, OPTIONS, HANDLE) sets REQUEST.handle
%   to HANDLE when it is not empty, else to the handle of OPTIONS.db (a scidb.Database)
%   when given; otherwise the engine uses the current database.
%
%   Example:
%     r = scidb.internal.with_handle(struct('variable', 'RawEMG'), struct(), []);
%
%   See also scidb.Database, scidb.configure_database.

if ~isempty(handle)
    request.handle = handle;
elseif isfield(options, 'db') && ~isempty(options.db)
    if ~isa(options.db, 'scidb.Database')
        error('scistack:arguments:badDatabase', ...
              ['the ''db'' option takes a scidb.Database (from scidb.configure_database ', ...
               'or scidb.get_database), not a %s'], class(options.db));
    end
    request.handle = options.db.handle;
end
end
