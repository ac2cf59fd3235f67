function text = fingerprint_source(file)
%FINGERPRINT_SOURCE  The text of a MATLAB source file, read as UTF-8 on every platform.
%   TEXT = scistack.internal.fingerprint_source(FILE) returns the contents of FILE as a
%   char row. MATLAB reads it with an explicit UTF-8 encoding (fileread's 'Encoding'
%   option), not the platform's default (Windows-1252 on many Windows machines), and GNU
%   Octave holds text as UTF-8 bytes already; so a file with non-ASCII characters gives
%   the same text, and the same fingerprint, in MATLAB on Windows, Linux and macOS and
%   in GNU Octave (the wire encoding sends text as UTF-8).
%
%   Example:
%     text = scistack.internal.fingerprint_source(which('scistack.version'));
%
%   See also scistack.internal.fingerprint, fileread.

if exist('OCTAVE_VERSION', 'builtin') > 0
    text = fileread(file);
else
    text = fileread(file, 'Encoding', 'UTF-8');
end
end
