function result = engine_call(op, varargin)
%ENGINE_CALL  Run one operation of the Python engine and return its result.
%   RESULT = scistack.internal.engine_call(OP) runs the engine operation OP (char)
%   with no arguments.
%   RESULT = scistack.internal.engine_call(OP, ARGS) passes the fields of the scalar
%   struct ARGS as the operation's arguments.
%   RESULT = scistack.internal.engine_call(OP, NAME1, VALUE1, ...) passes name/value
%   pairs (char names); values may be cell arrays.
%
%   The request {'op': OP, 'args': ARGS, 'profile': 'matlab' or 'octave'} is encoded
%   with scistack.internal.wire_encode, carried by scistack.internal.transport, and the
%   reply, which the engine lowers to that profile, decoded with
%   scistack.internal.wire_decode. An engine failure is raised as an error whose
%   identifier is the engine's scistack:<area>:<reason> (for example
%   scistack:gateway:unknownOperation). The warnings the engine issued during the
%   operation are raised first with warning(IDENTIFIER, MESSAGE), under the engine's
%   scistack:<area>:<what> identifiers (for example scistack:db:tornWriteAheadLog), so
%   warning('off', IDENTIFIER) silences one. This is the only way toolbox code reaches
%   Python; operations are registered in python/scistack_engine/gateway/.
%
%   Example:
%     v = scistack.internal.engine_call('ping');                  % engine version
%     x = scistack.internal.engine_call('echo', 'value', [1; 2]); % round trip
%     h = scistack.internal.engine_call('hash', 'value', magic(3));
%
%   See also scistack.internal.transport, scistack.internal.wire_encode.

persistent request_head args_key profile_entry ok_head
if isempty(request_head)
    % header, dict of 3 entries, key 'op', then the text tag of the op name
    request_head = uint8([83, 83, 87, 1, 100, 3, 0, 0, 0, 0, 0, 0, 0, ...
                          115, 2, 0, 0, 0, 0, 0, 0, 0, double('op'), 115]);
    args_key = uint8([115, 4, 0, 0, 0, 0, 0, 0, 0, double('args')]);
    profiles = {'octave', 'matlab'};
    profile = profiles{1 + scistack.internal.has_value_classes()};
    profile_entry = uint8([115, 7, 0, 0, 0, 0, 0, 0, 0, double('profile'), ...
                           115, numel(profile), 0, 0, 0, 0, 0, 0, 0, double(profile)]);
    % a reply {'ok': value}: header, dict of 1 entry, key 'ok'
    ok_head = uint8([83, 83, 87, 1, 100, 1, 0, 0, 0, 0, 0, 0, 0, ...
                     115, 2, 0, 0, 0, 0, 0, 0, 0, double('ok')]);
end

if ~ischar(op) || isempty(op)
    error('scistack:engine:badArguments', 'the operation name must be a non-empty char');
end
switch nargin
    case 1
        args = uint8([100, 0, 0, 0, 0, 0, 0, 0, 0]);
    case 2
        if ~isstruct(varargin{1}) || numel(varargin{1}) ~= 1
            error('scistack:engine:badArguments', ...
                  'the arguments of an engine operation are a scalar struct');
        end
        args = scistack.internal.wire_encode(varargin{1}, false);
    otherwise  % name/value pairs: the engine checks them and makes them the args
        args = scistack.internal.wire_encode(varargin, false);
end

% The request dict {'op': op, 'args': args, 'profile': ...} is written around the args.
request = [request_head, typecast(uint64(numel(op)), 'uint8'), uint8(op), args_key, args, ...
           profile_entry];
reply = scistack.internal.transport(request);

if numel(reply) > 24 && all(reply(1:24) == ok_head)
    result = scistack.internal.wire_decode(reply, 25);
    return
end
reply = scistack.internal.wire_decode(reply);
if isstruct(reply) && isfield(reply, 'warnings')
    for k = 1:numel(reply.warnings)
        warning(reply.warnings{k}.identifier, '%s', reply.warnings{k}.message);
    end
end
if isstruct(reply) && isfield(reply, 'ok')
    result = reply.ok;
    return
end
raise_reply_error(reply);
end

function raise_reply_error(reply)
% The engine's error, under its identifier (always one MATLAB accepts: the gateway's
% dispatch makes sure).
if ~isstruct(reply) || ~isfield(reply, 'error') || ~isstruct(reply.error)
    error('scistack:engine:badReply', 'the engine replied with neither a result nor an error');
end
error(reply.error.identifier, '%s', reply.error.message);
end
