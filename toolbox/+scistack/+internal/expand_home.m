function path = expand_home(path)
%EXPAND_HOME  A path with a leading ~ replaced by the home folder (internal).
%   PATH = scistack.internal.expand_home(PATH) returns PATH with '~' or a leading '~/'
%   (also '~\' on Windows) replaced by the user's home folder: HOME, else USERPROFILE.
%   MATLAB's file functions and the system shell called without a shell do not expand
%   '~' themselves. Other paths, '~user/...' among them, are returned unchanged.
%
%   Example:
%     scistack.internal.expand_home('~/venvs/scistack/bin/python')
%
%   See also scistack.setup.

path = char(path);
if isempty(path) || path(1) ~= '~' || (numel(path) > 1 && ~any(path(2) == '/\'))
    return
end
home = getenv('HOME');
if isempty(home)
    home = getenv('USERPROFILE');
end
path = [home, path(2:end)];
end
