classdef LineageResult
    %LINEAGERESULT  What a scilineage.Thunk call returns: a value and how it was produced.
    %   R = T(...) for a scilineage.Thunk T returns a LineageResult R with the properties
    %     data          the value the function returned (or the cache held), as it was
    %                   returned: class and size kept;
    %     lineage       a struct saying how it was produced, in the engine's lineage
    %                   form: function_name, fingerprint, language ('matlab'),
    %                   n_outputs, cache_key, inputs (a struct of input references by
    %                   parameter name: kind 'record' with variable, metadata, record_id,
    %                   version and content_hash; or kind 'upstream' with the producing
    %                   call's lineage, output_index and content_hash) and constants (a
    %                   struct of constants by parameter name, each with value and
    %                   content_hash);
    %     output_index  which output of the call this is, counted from 0 in declaration
    %                   order (as in Python); every output of one call shares its lineage.
    %   The properties cannot be set: the value is hashed once, and the lineage always
    %   describes the value it travels with.
    %
    %   Pass R to another Thunk to chain steps (the step receives R.data and records R's
    %   lineage upstream); save it with VAR().save(R, 'subject', 1, ...) to store the
    %   value with its lineage (see scidb.BaseVariable).
    %
    %   R = scilineage.LineageResult(DATA, LINEAGE, OUTPUT_INDEX) builds one by hand
    %   (Thunk does this; there is rarely a reason to).
    %
    %   Example:
    %     scale = scilineage.Thunk(@(x, factor) x * factor);
    %     r = scale([1 2 3], 2);
    %     r.data                              % [2 4 6]
    %     r.lineage.constants.factor.value    % 2
    %
    %   See also scilineage.Thunk, scilineage.provenance.

    properties (SetAccess = private)
        % The value the function returned.
        data = []
        % How it was produced (the engine's lineage dict form).
        lineage = struct()
        % Which output of the call (0-based, declaration order).
        output_index = 0
    end

    properties (SetAccess = private, Hidden = true)
        % The content hash of data, as computed by the engine ('' when not known).
        content_hash = ''
    end

    methods

        function obj = LineageResult(data, lineage, output_index, content_hash)
            if nargin == 0
                return
            end
            obj.data = data;
            if nargin > 1
                if ~isstruct(lineage) || numel(lineage) ~= 1
                    error('scistack:lineage:badArgument', 'the lineage is a scalar struct');
                end
                obj.lineage = lineage;
            end
            if nargin > 2
                obj.output_index = double(output_index);
            end
            if nargin > 3
                obj.content_hash = char(content_hash);
            end
        end

        function disp(obj)
            name = '?';
            if isfield(obj.lineage, 'function_name')
                name = obj.lineage.function_name;
            end
            count = 1;
            if isfield(obj.lineage, 'n_outputs')
                count = obj.lineage.n_outputs;
            end
            which_output = '';
            if count > 1
                which_output = sprintf(' (output %d of %d)', obj.output_index + 1, count);
            end
            dims = sprintf('%dx', size(obj.data));
            fprintf('  scilineage.LineageResult of %s%s: %s %s\n', name, which_output, ...
                    dims(1:end - 1), class(obj.data));
        end

    end
end
