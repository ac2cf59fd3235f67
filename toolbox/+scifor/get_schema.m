function keys = get_schema()
%GET_SCHEMA  The metadata keys set with scifor.set_schema, highest level first.
%   KEYS = scifor.get_schema() returns the schema as a 1-by-N cell array of char ({}
%   when none is set). It is read from the engine, where Python scifor keeps it.
%
%   Example:
%     scifor.set_schema({'subject', 'session'});
%     keys = scifor.get_schema();  % {'subject', 'session'}
%
%   See also scifor.set_schema, scifor.for_each.

keys = scistack.internal.engine_call('scifor_get_schema');
keys = reshape(keys, 1, []);
end
