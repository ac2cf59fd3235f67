function y = helper_big_unless_first(x)
%HELPER_BIG_UNLESS_FIRST  Test function for for_each: a 67 MB column, noting what is saved.
%   Y = helper_big_unless_first(X) returns 8,400,000 copies of X (more bytes than the
%   engine's commit_bytes). Called with X = 20 (RawEMG of subject 2, 'pre'), it first
%   notes in appdata 'scistack_seen' whether Doubled of subject 1, 'pre' can be loaded:
%   saved, that is, by a commit made before this call.
%
%   Example:
%     y = helper_big_unless_first(10);   % numel(y) is 8400000
if x == 20
    try
        Doubled().load('subject', 1, 'session', 'pre');
        seen = true;
    catch
        seen = false;
    end
    setappdata(0, 'scistack_seen', seen);
end
y = repmat(x, 8400000, 1);
end
