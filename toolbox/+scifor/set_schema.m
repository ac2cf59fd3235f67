function keys = set_schema(keys)
%SET_SCHEMA  Declare the metadata keys that identify an experimental condition.
%   scifor.set_schema(KEYS) sets the schema used by scifor.for_each: KEYS is a cell
%   array of key names (char or string), highest level first, for example
%   {'subject', 'session', 'trial'}; a single char names a one-key schema and {}
%   clears it. Table columns named after a key are metadata; the others hold data.
%
%   KEYS = scifor.set_schema(...) also returns the schema now in force (a 1-by-N cell).
%
%   The schema is kept by the engine (it is Python scifor's schema), so MATLAB and
%   Python code running in the same session see one schema. A key must be a valid
%   identifier and may not be named after a for_each option (where, progress, ...);
%   otherwise the error scistack:scifor:schema is raised.
%
%   Example:
%     scifor.set_schema({'subject', 'session'});
%     scifor.get_schema()          % {'subject', 'session'}
%
%   See also scifor.get_schema, scifor.for_each.

if nargin < 1
    error('scistack:scifor:badArguments', ...
          'usage: scifor.set_schema({''subject'', ''session''})');
end
if isempty(keys) && ~ischar(keys)
    keys = {};
end
keys = scistack.internal.engine_call('scifor_set_schema', 'keys', keys);
keys = reshape(keys, 1, []);
end
