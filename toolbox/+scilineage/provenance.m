function p = provenance(variable, varargin)
%PROVENANCE  How a saved record, or a lineage result, was produced.
%   P = scilineage.provenance(VAR, 'subject', 1, 'session', 'pre') asks the configured
%   database what produced the latest version of the record of variable VAR (an
%   instance such as FilteredEMG(), or the class name 'FilteredEMG') at that metadata.
%   P is a struct: variable, metadata, record_id, version, content_hash, then what
%   produced it: function_name, fingerprint, language ('matlab' or 'python'),
%   cache_key, inputs (a struct of the inputs by parameter name: a saved record's
%   variable, metadata, record_id, version and content_hash, or an unsaved upstream
%   result's function_name, output_index and lineage) and constants (a struct of the
%   constant values by parameter name). For a record saved without lineage,
%   function_name is [].
%   P = scilineage.provenance(VAR, ..., 'version', N) asks about version N.
%   P = scilineage.provenance(VAR, ..., 'chain', true) follows the inputs upstream: P is
%   an N-by-1 struct array, the record first, then each producer once.
%   P = scilineage.provenance(VAR, ..., 'db', DB) asks the scidb.Database DB.
%   Names may be char or string (subject=1 in MATLAB). The answer is the engine's
%   ('provenance' operation), the same as VAR().provenance(...) and Python's
%   db.get_provenance.
%
%   P = scilineage.provenance(R) for a scilineage.LineageResult R returns R.lineage, with
%   no database involved; scilineage.provenance(R, 'chain', true) returns an N-by-1
%   struct array: R's lineage, then every upstream lineage once, depth first.
%
%   Example:
%     filter_fn = scilineage.Thunk(@bandpass_filter);
%     filtered = filter_fn(raw, 20, 450);
%     FilteredEMG().save(filtered, 'subject', 1, 'session', 'pre');
%     p = scilineage.provenance(FilteredEMG(), 'subject', 1, 'session', 'pre');
%     p.function_name        % 'bandpass_filter'
%     p.constants.low_hz     % 20
%
%   See also scilineage.Thunk, scilineage.LineageResult, scidb.BaseVariable.

if nargin < 1
    error('scistack:lineage:badArgument', ...
          'usage: scilineage.provenance(VAR, ''key'', value, ...) or scilineage.provenance(R)');
end
if isa(variable, 'scilineage.LineageResult')
    p = result_provenance(variable, varargin);
    return
end
name = scidb.internal.variable_name(variable, 'scilineage.provenance');
p = scidb.internal.provenance(name, varargin, []);
end

function p = result_provenance(result, args)
% R's lineage; with 'chain', true (the engine reads the options) it and every lineage
% upstream: the engine says where they are, and they are taken from R as they are.
p = result.lineage;
request = struct('lineage', p);
request.options = args;
paths = scistack.internal.engine_call('lineage_chain', request);
if isempty(paths)
    return
end
items = cell(numel(paths), 1);
for k = 1:numel(paths)
    items{k} = p;
    for step = reshape(cellstr(paths{k}), 1, [])
        items{k} = items{k}.inputs.(step{1}).lineage;
    end
end
p = reshape([items{:}], [], 1);  % the same fields in the same order: one struct array
end
