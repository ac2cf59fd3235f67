function label = lineage_unicode_label()
%LINEAGE_UNICODE_LABEL  Test function whose source holds non-ASCII text (UTF-8).
%   LABEL = lineage_unicode_label() returns a unit label; the fingerprint of this file is
%   the same in MATLAB on every platform and in GNU Octave (test_fingerprint).
%
%   Example:
%     disp(lineage_unicode_label())
label = 'Größe in µV';  % mh:ignore_style (UTF-8 text on purpose)
end
