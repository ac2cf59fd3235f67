function tf = has_value_classes()
%HAS_VALUE_CLASSES  Test shim: decode into MATLAB classes (the emulated ones here).
%   TF = scistack.internal.has_value_classes() is always true. Put this folder first
%   on the GNU Octave path to run the codec's MATLAB branches against the emulated
%   string, datetime, categorical and table of this folder.
%
%   Example:
%     addpath('tests/matlab/matlab_semantics'); scistack.internal.has_value_classes()
%
%   See also string, datetime, categorical, table.

tf = true;
end
