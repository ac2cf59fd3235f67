function p = provenance(variable, args, handle)
%PROVENANCE  Ask the engine how a record was produced (not for direct use).
%   P = scidb.internal.provenance(NAME, ARGS, HANDLE) serves BaseVariable.provenance and
%   Database.provenance: NAME is the variable's name, ARGS its name/value pairs
%   (metadata, and the options 'version', 'chain' and 'db', read by the engine), HANDLE
%   the database handle ([] for the current database or the one given by 'db').
%
%   P is a struct: variable, metadata, record_id, version, content_hash, function_name,
%   fingerprint, language, cache_key, inputs (a struct of the inputs' records) and
%   constants (a struct of the constant values). For a record saved without lineage
%   function_name is []. With 'chain', true, P is a struct array: the record, then each
%   upstream producer once.
%
%   Example:
%     p = scidb.internal.provenance('FilteredEMG', {'subject', 1, 'session', 'pre'}, []);
%
%   See also scidb.BaseVariable, scidb.Database.

p = scidb.internal.pairs_call('provenance', struct('variable', variable, 'handle', handle), ...
                              args);
end
