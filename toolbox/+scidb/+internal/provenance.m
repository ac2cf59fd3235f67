function p = provenance(variable, args, handle)
%PROVENANCE  Ask the engine how a record was produced (not for direct use).
%   P = scidb.internal.provenance(NAME, ARGS, HANDLE) serves BaseVariable.provenance and
%   Database.provenance: NAME is the variable's name, ARGS its name/value pairs
%   (metadata, and the options 'version', 'chain' and 'db'), HANDLE the database handle
%   ([] for the current database or the one given by 'db').
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

[metadata, options] = scidb.internal.parse_metadata(args, {'version', 'chain', 'db'}, ...
                                                    'provenance');
request = struct('variable', variable);
request.metadata = metadata;
if isfield(options, 'version') && ~isempty(options.version)
    request.version = double(options.version);
end
request.chain = isfield(options, 'chain') && logical(options.chain);
request = scidb.internal.with_handle(request, options, handle);
p = scistack.internal.engine_call('provenance', request);
if request.chain
    p = scidb.internal.struct_list(p);
end
end
