function value = decode_stored(bytes)
%DECODE_STORED  Decode stored wire bytes as the toolbox receives them from the engine.
%   VALUE = decode_stored(BYTES) has the engine lower BYTES (uint8 wire bytes as stored,
%   e.g. a golden vector or what wire_encode wrote) to this MATLAB's reply profile and
%   decodes the result with scistack.internal.wire_decode.
lowered = scistack.internal.engine_call('lower_wire', 'wire', bytes);
value = scistack.internal.wire_decode(lowered);
end
