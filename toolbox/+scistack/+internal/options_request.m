function request = options_request(args, names, context)
%OPTIONS_REQUEST  Name/value options as an engine request (not for direct use).
%   REQUEST = scistack.internal.options_request(ARGS, NAMES, CONTEXT) reads the cell ARGS
%   of name/value pairs whose names must be among NAMES (a cellstr, matched without
%   regard to case) and returns them as a struct, the database option 'db' (a
%   scidb.Database) turned into the request's handle. Any other name is the error
%   scistack:arguments:unknownOption naming CONTEXT and the options.
%
%   Example:
%     r = scistack.internal.options_request({'format', 'svg'}, {'format', 'db'}, 'lineage');
%
%   See also scistack.lineage, scistack.report.

[unknown, options] = scidb.internal.parse_metadata(args, names, context);
extra = fieldnames(unknown);
if ~isempty(extra)
    error('scistack:arguments:unknownOption', '%s: unknown option ''%s''; the options are %s', ...
          context, extra{1}, strjoin(names, ', '));
end
request = options;
if isfield(request, 'db')
    request = rmfield(request, 'db');
end
request = scidb.internal.with_handle(request, options, []);
end
