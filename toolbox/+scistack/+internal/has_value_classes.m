function tf = has_value_classes()
%HAS_VALUE_CLASSES  True where MATLAB's string, datetime, table and categorical exist.
%   TF = scistack.internal.has_value_classes() is true in MATLAB and false in GNU
%   Octave. scistack.internal.wire_decode asks it which forms to decode into: MATLAB's
%   classes (through scistack.internal.decode_matlab_only) or the portable forms of
%   docs/data-model.md.
%
%   Example:
%     if scistack.internal.has_value_classes(), disp('decodes into MATLAB classes'), end
%
%   See also scistack.internal.wire_decode, scistack.internal.decode_matlab_only.

tf = exist('OCTAVE_VERSION', 'builtin') == 0;
end
