classdef Thunk
    %THUNK  A function wrapped so that each call records its lineage and is cached.
    %   T = scilineage.Thunk(@FN) wraps the function FN. Call T as you would call FN:
    %   R = T(ARG1, ARG2, ...) returns a scilineage.LineageResult whose data is what FN
    %   returned and whose lineage says how it was produced. A call made before (same
    %   code, same inputs, same constants) returns the cached result without running FN.
    %
    %   T = scilineage.Thunk(@FN, 'n_outputs', K) declares that FN returns K outputs:
    %   [R1, ..., RK] = T(...) returns K results in declaration order, on a fresh call and
    %   on a cache hit alike (fewer may be asked for; all K are computed and cached).
    %   T = scilineage.Thunk(@FN, 'version', 'v2') replaces the code fingerprint by one
    %   made of FN's name and the version string: edits of FN keep its cache until the
    %   string changes. Option names may be char or string (n_outputs=2 in MATLAB).
    %
    %   Each argument of a call is, for the cache key and the lineage, one of:
    %     a loaded variable (an object with data, metadata, record_id, version and
    %     content_hash, such as RawEMG().load(...))  - FN receives its data; recorded as
    %         a record input (variable, metadata, record id, version, content hash);
    %     a scilineage.LineageResult  - FN receives its data; recorded as an upstream
    %         input (that call's lineage, which output, content hash);
    %     a function handle or Thunk  - FN receives it; a constant identified by its
    %         fingerprint;
    %     anything else  - a constant, FN receives it as is.
    %   A loaded variable is identified by its record's content hash, so change a copy of
    %   its data (x = raw.data; x(1) = 0;), never raw.data itself, before passing it.
    %   Arguments are named (by the engine) after FN's declared inputs
    %   (bandpass_filter(signal, low_hz, high_hz) records the constants low_hz and
    %   high_hz), extra arguments of a varargin function varargin_1, varargin_2, ..., and
    %   the arguments of a function whose declaration cannot be read (built-in) arg1, arg2, ....
    %
    %   The cache key is computed by the engine from FN's fingerprint
    %   (scistack.internal.fingerprint: its code and the user functions it calls), the
    %   content hash of every input and constant by name, and K. Content hashes, not
    %   record ids: re-saving identical data keeps the cache. Outputs are cached in the
    %   engine's memory, and with a database configured every call is kept in the
    %   database file, saved with VAR().save(R, ...) or not, so that it answers the
    %   same call in any later session (db.prune_lineage_cache() drops what no saved
    %   record needs).
    %
    %   Methods:
    %     R = T.recompute(...), R = recompute(T, ...)  run FN even when the call is
    %         cached, and replace the cached outputs ([R1, R2] = T.recompute(...) for
    %         several outputs);
    %     KEY = T.cache_key(...)  the cache key a call would use, running nothing;
    %     T.fingerprint  the fingerprint that enters cache keys.
    %
    %   Errors: scistack:lineage:unhashableArgument (an argument without a content hash,
    %   such as an object), scistack:lineage:outputCount (more outputs asked for than
    %   declared), scistack:lineage:unstorableOutput (an output that cannot be cached),
    %   scistack:lineage:tooManyArguments, scistack:lineage:badOption.
    %
    %   Example:
    %     filter_fn = scilineage.Thunk(@bandpass_filter);
    %     raw = RawEMG().load('subject', 1, 'session', 'pre');
    %     filtered = filter_fn(raw, 20, 450);     % runs bandpass_filter
    %     filtered = filter_fn(raw, 20, 450);     % cache hit: does not run it
    %     filtered.lineage.constants.low_hz.value % 20
    %     FilteredEMG().save(filtered, 'subject', 1, 'session', 'pre');
    %
    %   See also scilineage.LineageResult, scilineage.provenance, scidb.Thunk,
    %   scistack.internal.fingerprint.

    properties (SetAccess = private)
        % The wrapped function (a function handle).
        fn = []
        % The declared number of outputs.
        n_outputs = 1
        % The declared version ('' when the code fingerprint is used).
        version = ''
    end

    properties (Dependent)
        % The fingerprint that enters cache keys (the declared version's, if any).
        fingerprint
    end

    properties (SetAccess = private, Hidden = true)
        % what the engine made of the function (thunk_options: name, key, shown, ...)
        signature = struct('name', '', 'key', '', 'shown', 'scilineage.Thunk (no function)')
        version_digest = ''
    end

    methods

        function obj = Thunk(fn, varargin)
            if nargin == 0
                return
            end
            if isa(fn, 'scilineage.Thunk')
                inner = fn;
                fn = inner.fn;
                obj.n_outputs = inner.n_outputs;
                obj.version = inner.version;
            elseif ischar(fn) || (isstring(fn) && numel(fn) == 1)
                fn = str2func(char(fn));
            end
            if ~isa(fn, 'function_handle')
                error('scistack:lineage:badArgument', ...
                      'scilineage.Thunk wraps a function handle (@fn), not a %s', class(fn));
            end
            obj.fn = fn;
            % the engine reads FN's name and declared inputs (signature.name, .key),
            % checks the options, hashes a declared version and makes the display line
            request = struct('n_outputs', obj.n_outputs, 'version', obj.version);
            request.options = varargin;
            obj.signature = scistack.internal.fingerprint(fn, 'thunk_options', request);
            obj.n_outputs = double(obj.signature.n_outputs);
            obj.version = obj.signature.version;
            obj.version_digest = obj.signature.version_digest;
        end

        function varargout = subsref(obj, s)
            % T(...) calls; T.recompute(...) and T.cache_key(...); T.property reads.
            n = max(nargout, 1);
            switch s(1).type
                case '()'
                    [varargout{1:n}] = run_call(spec_of(obj), s(1).subs, false, n);
                    rest = s(2:end);
                case '.'
                    method = s(1).subs;
                    if ischar(method) && any(strcmp(method, {'recompute', 'cache_key'})) && ...
                            numel(s) > 1 && strcmp(s(2).type, '()')
                        if strcmp(method, 'recompute')
                            [varargout{1:n}] = run_call(spec_of(obj), s(2).subs, true, n);
                        else
                            varargout{1} = key_of(spec_of(obj), s(2).subs);
                        end
                        rest = s(3:end);
                    else
                        [varargout{1:n}] = builtin('subsref', obj, s);
                        return
                    end
                otherwise
                    error('scistack:lineage:badIndex', ...
                          'call a Thunk with parentheses: T(arg1, arg2, ...)');
            end
            if ~isempty(rest)
                [varargout{1:n}] = subsref(varargout{1}, rest);
            end
        end

        function n = numArgumentsFromSubscript(obj, s, context)
            % How many results MATLAB asks subsref for: a call T(...) or
            % T.recompute(...) in a statement gives the declared outputs, so that
            % [lo, hi] = T(x) receives both; inside an expression (f(T(x))) it gives one.
            % (GNU Octave takes the count from the left-hand side and never calls this.)
            is_call = strcmp(s(1).type, '()') || ...
                      (numel(s) > 1 && strcmp(s(1).type, '.') && ...
                       strcmp(s(1).subs, 'recompute') && strcmp(s(2).type, '()'));
            if is_call && ~strcmp(char(context), 'Expression')
                n = obj.n_outputs;
            else
                n = 1;
            end
        end

        function varargout = recompute(obj, varargin)
            % [R1, ...] = recompute(T, ...) runs the function even when the call is cached.
            n = max(nargout, 1);
            [varargout{1:n}] = run_call(spec_of(obj), varargin, true, n);
        end

        function key = cache_key(obj, varargin)
            % KEY = cache_key(T, ...) is the cache key of a call, without running it.
            key = key_of(spec_of(obj), varargin);
        end

        function fp = get.fingerprint(obj)
            fp = '';
            if ~isempty(obj.fn)
                fp = fingerprint_of(spec_of(obj));
            end
        end

        function disp(obj)
            fprintf('  %s\n', obj.signature.shown);
        end

    end

    methods (Access = private)

        function spec = spec_of(obj)
            % What a call needs, as a struct (reading properties outside the class's
            % methods would go through subsref).
            spec = struct('fn', obj.fn, 'n_outputs', obj.n_outputs, ...
                          'signature', obj.signature, 'version_digest', obj.version_digest);
        end

    end
end

% ------------------------------------------------------------------------ calls

function varargout = run_call(spec, args, force, wanted)
    % One call: classify the arguments, look the key up, run on a miss, wrap the outputs.
    if isempty(spec.fn)
        error('scistack:lineage:badArgument', 'this Thunk wraps no function');
    end
    n = spec.n_outputs;
    if wanted > n
        message = ['%s is declared with %d output(s) and %d were asked for: declare them ', ...
                   'with scilineage.Thunk(fn, ''n_outputs'', %d)'];
        error('scistack:lineage:outputCount', message, spec.signature.name, n, wanted, wanted);
    end
    call = classify(spec, args);
    reply = lookup(spec, call, force);
    lineage = lineage_of(spec, call, reply);
    if ~force && ~isempty(reply{3})
        wires = reply{3};
        hashes = reply{4};  % 64 characters per output
        outputs = cell(1, n);
        for k = 1:n
            outputs{k} = scistack.internal.wire_decode(wires{k});
        end
    else
        outputs = cell(1, n);
        [outputs{:}] = spec.fn(call.plain{:});
        wires = cell(1, n);
        for k = 1:n
            if isa(outputs{k}, 'scilineage.LineageResult')
                outputs{k} = outputs{k}.data;  % a returned result stands for its data
            end
            wires{k} = encode_output(spec, outputs{k}, k);
        end
        request = struct('cache_key', reply{1}, 'outputs', {wires}, 'lineage', lineage);
        hashes = scistack.internal.engine_call('lineage_put', request);
    end
    varargout = cell(1, wanted);
    for k = 1:wanted
        varargout{k} = scilineage.LineageResult(outputs{k}, lineage, k - 1, ...
                                                hashes(64 * k - 63:64 * k));
    end
end

function key = key_of(spec, args)
    call = classify(spec, args);
    reply = lookup(spec, call, true);
    key = reply{1};
end

function fingerprint = fingerprint_of(spec)
    % The declared version's fingerprint, else the code's.
    if ~isempty(spec.version_digest)
        fingerprint = spec.version_digest;
    else
        fingerprint = scistack.internal.fingerprint(spec.fn);
    end
end

function reply = lookup(spec, call, force)
    % The engine's answer: {cache key; argument hashes (64 characters each, in argument
    % order); outputs (wire) or []; their hashes; the arguments' names, comma-separated;
    % the fingerprint}. The engine fingerprints FN's code in the same call.
    request = struct('kinds', call.kinds, 'items', {call.items}, 'signature', spec.signature.key);
    if spec.n_outputs ~= 1  % (each field costs an encoding step: defaults are left out)
        request.n_outputs = spec.n_outputs;
    end
    if force
        request.force = true;
    end
    try
        if isempty(spec.version_digest)
            reply = scistack.internal.fingerprint(spec.fn, 'lineage_lookup', request);
        else
            request.fingerprint = spec.version_digest;
            reply = scistack.internal.engine_call('lineage_lookup', request);
        end
    catch err
        if ~strcmp(err.identifier, 'scistack:value:unsupported')
            rethrow(err);
        end
        fingerprint_of(spec);  % raises when FN's captured values cannot be encoded
        % the engine names the first argument that cannot be encoded, and raises
        request.unhashable = 0;
        for k = find(call.kinds == 'c' | call.kinds == 'v')
            try
                scistack.internal.wire_encode(call.items{k});
            catch
                request.unhashable = k;
                break
            end
        end
        request.items = repmat({''}, size(call.items));
        request.reason = err.message;
        scistack.internal.engine_call('lineage_lookup', request);
    end
end

function call = classify(spec, args)
    % What the function receives (plain), and per argument what the key and the lineage
    % are made of: kinds(k) is 'i' (an input whose content hash is known: items{k}), 'v'
    % (an input hashed from its value), 'c' (a constant value) or 'h' (a constant that
    % stands for a known hash, shown as shown{k}); refs{k} is an input's reference.
    n = numel(args);
    call = struct('plain', {args}, 'kinds', repmat('c', 1, n), 'items', {args}, ...
                  'refs', {cell(1, n)}, 'shown', {args});
    for k = 1:n
        value = args{k};
        if ~isobject(value) && ~isa(value, 'function_handle')
            continue  % a constant: the common case
        end
        if isa(value, 'scilineage.LineageResult')
            call.plain{k} = value.data;
            call.refs{k} = struct('kind', 'upstream', 'output_index', value.output_index, ...
                                  'content_hash', '', 'lineage', value.lineage);
            if isempty(value.content_hash)
                call.kinds(k) = 'v';
                call.items{k} = value.data;
            else
                call.kinds(k) = 'i';
                call.items{k} = value.content_hash;
            end
        elseif is_loaded_variable(value)
            call.plain{k} = value.data;
            call.items{k} = value.data;  % not saved: its value is a constant
            call.shown{k} = value.data;
            if ~isempty(value.record_id)
                call.refs{k} = struct('kind', 'record', 'variable', class(value), ...
                                      'metadata', value.metadata, ...
                                      'record_id', char(value.record_id), ...
                                      'version', value.version, ...
                                      'content_hash', char(value.content_hash));
                call.kinds(k) = 'i';
                call.items{k} = char(value.content_hash);
            end
        elseif isa(value, 'function_handle')
            call.kinds(k) = 'h';
            call.items{k} = scistack.internal.fingerprint(value);
            call.shown{k} = func2str(value);
        elseif isa(value, 'scilineage.Thunk')
            call.kinds(k) = 'h';
            call.items{k} = value.fingerprint;
            call.shown{k} = func2str(value.fn);
        end
    end
end

function tf = is_loaded_variable(value)
    % A variable loaded from a database (scidb.BaseVariable and look-alikes).
    tf = isprop(value, 'data') && isprop(value, 'metadata') && isprop(value, 'record_id') && ...
         isprop(value, 'version') && isprop(value, 'content_hash');
end

function lineage = lineage_of(spec, call, reply)
    % The lineage dict of the call, in the engine's form (LineageRecord.from_dict).
    hashes = reply{2};
    names = regexp(reply{5}, ',', 'split');
    inputs = struct();
    constants = struct();
    for k = 1:numel(call.kinds)
        digest = hashes(64 * k - 63:64 * k);
        if call.kinds(k) == 'i' || call.kinds(k) == 'v'
            ref = call.refs{k};
            ref.content_hash = digest;
            inputs.(names{k}) = ref;
        else
            constants.(names{k}) = struct('value', {call.shown{k}}, 'content_hash', digest);
        end
    end
    lineage = struct('function_name', spec.signature.name, 'fingerprint', reply{6}, ...
                     'language', 'matlab', 'n_outputs', spec.n_outputs, ...
                     'cache_key', reply{1}, 'inputs', inputs, 'constants', constants);
end

function wire = encode_output(spec, value, k)
    try
        wire = scistack.internal.wire_encode(value);
    catch err  % the engine raises scistack:lineage:unstorableOutput, naming the output
        scistack.internal.engine_call('lineage_put', 'unstorable', k, 'reason', err.message, ...
                                      'function', spec.signature.name);
    end
end
