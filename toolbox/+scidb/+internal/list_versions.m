function v = list_versions(variable, args, handle)
%LIST_VERSIONS  Every version of a variable at some metadata (not for direct use).
%   V = scidb.internal.list_versions(NAME, ARGS, HANDLE) serves
%   BaseVariable.list_versions and Database.list_versions: NAME is the variable's name,
%   ARGS its name/value pairs (metadata and the option 'db', read by the engine),
%   HANDLE the database handle ([] for the current database or the one given by 'db').
%
%   V is an N-by-1 struct array, oldest version first at each address, with the fields
%   variable, metadata, record_id, version, content_hash, function_name, fingerprint,
%   language, cache_key, inputs and constants.
%
%   Example:
%     v = scidb.internal.list_versions('RawEMG', {'subject', 1}, []);
%     [v.version]
%
%   See also scidb.BaseVariable, scidb.Database.

request = struct('variable', variable, 'handle', handle);
v = scidb.internal.pairs_call('list_versions', request, args);
end
