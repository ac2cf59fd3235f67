function digest = lineage_unicode_digest()
%LINEAGE_UNICODE_DIGEST  The fingerprint of lineage_unicode_label in every runtime.
%   DIGEST = lineage_unicode_digest() is the 64-character fingerprint that
%   scistack.internal.fingerprint(@lineage_unicode_label) gives in GNU Octave and in
%   MATLAB on Windows, Linux and macOS (its source holds UTF-8 text).
%
%   Example:
%     isequal(scistack.internal.fingerprint(@lineage_unicode_label), lineage_unicode_digest())
digest = 'b78b7ae02be79c8fe1c962281e98f8f694c1182a491cf901537997d8c2a8883f';
end
