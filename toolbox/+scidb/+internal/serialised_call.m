function varargout = serialised_call(fn, readers, writers, varargin)
%SERIALISED_CALL  Call a for_each function through its types' to_db/from_db (internal).
%   [OUT1, ...] = scidb.internal.serialised_call(FN, READERS, WRITERS, IN1, ...) calls FN
%   with each input K turned into its type's data by READERS{K}.from_db (each element of
%   a cell, when the input matched several records), and returns each output K stored as
%   WRITERS{K}.to_db makes it. An empty READERS{K} or WRITERS{K} passes the value as it
%   is. scidb.for_each wraps FN in it when an input or output type defines to_db/from_db.
%
%   Example:
%     out = scidb.internal.serialised_call(@(w) w, {Window()}, {[]}, struct('a', 1));
%
%   See also scidb.BaseVariable, scidb.for_each.

for k = 1:min(numel(readers), numel(varargin))
    if isempty(readers{k})
        continue
    end
    if iscell(varargin{k})
        varargin{k} = cellfun(@(v) readers{k}.from_db(v), varargin{k}, 'UniformOutput', false);
    else
        varargin{k} = readers{k}.from_db(varargin{k});
    end
end
[varargout{1:nargout}] = fn(varargin{:});
for k = 1:min(nargout, numel(writers))
    if ~isempty(writers{k})
        varargout{k} = writers{k}.to_db(varargout{k});
    end
end
end
