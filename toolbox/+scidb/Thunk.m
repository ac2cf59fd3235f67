classdef Thunk < scilineage.Thunk
    %THUNK  Wrap a function so that its calls record lineage and are cached (scilineage.Thunk).
    %   T = scidb.Thunk(@FN) is a scilineage.Thunk: calling T(ARGS...) runs FN on the
    %   plain values of ARGS (loaded variables are unwrapped to their data), returns a
    %   scilineage.LineageResult, and returns the cached result when the same code already
    %   ran on the same inputs and constants. Save the result with VAR().save(R, ...) to
    %   keep its lineage in the database.
    %   T = scidb.Thunk(@FN, 'n_outputs', K) and scidb.Thunk(@FN, 'version', 'v2') take the
    %   options of scilineage.Thunk; so do its methods (recompute, cache_key).
    %
    %   Example:
    %     filter_fn = scidb.Thunk(@bandpass_filter);
    %     raw = RawEMG().load('subject', 1, 'session', 'pre');
    %     filtered = filter_fn(raw, 20, 450);
    %     FilteredEMG().save(filtered, 'subject', 1, 'session', 'pre');
    %
    %   See also scilineage.Thunk, scilineage.LineageResult, scidb.BaseVariable.

    methods

        function obj = Thunk(varargin)
            obj = obj@scilineage.Thunk(varargin{:});
        end

    end
end
