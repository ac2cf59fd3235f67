function reply = pairs_call(op, request, pairs)
%PAIRS_CALL  Run an engine operation on a call's name/value pairs (not for direct use).
%   REPLY = scidb.internal.pairs_call(OP, REQUEST, PAIRS) runs the engine operation OP
%   with the struct REQUEST, whose field arguments is set to PAIRS: the user's
%   name/value pairs (metadata and options, names as char or string), as given. The
%   engine reads them (scistack_engine.gateway.scidb_arguments.call_arguments): which
%   names are OP's options (matched without regard to case), that every other pair is
%   metadata with a valid key and a number, text or logical value (or several), and
%   the errors for each mistake (scistack:arguments:unpaired, badName, badDatabase,
%   unknownOption, scistack:metadata:invalid), naming the MATLAB function. Toolbox
%   objects among the values go by type (scistack.internal.sent_pairs: a
%   scidb.Database by its handle). A value the wire cannot carry at all (a function
%   handle, say) is scistack:metadata:invalid too; any other error, the saved value's
%   scistack:value:unsupported for one, is raised as it is.
%
%   Example:
%     v = scidb.internal.pairs_call('list_versions', struct('variable', 'RawEMG'), ...
%                                   {'subject', 1});
%
%   See also scistack.internal.engine_call, scistack.internal.sent_pairs.

request.arguments = scistack.internal.sent_pairs(pairs);
try
    reply = scistack.internal.engine_call(op, request);
catch err
    if strcmp(err.identifier, 'scistack:value:unsupported')
        try
            scistack.internal.wire_encode(request.arguments);
        catch unsupported  % not the value saved: a metadata value of the pairs
            error('scistack:metadata:invalid', ['metadata must be numbers, text or ', ...
                                                'logicals (or several in a vector or cell ', ...
                                                'array): %s'], unsupported.message);
        end
    end
    rethrow(err);
end
end
