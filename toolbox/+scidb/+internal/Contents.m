% SCIDB.INTERNAL  Helpers of the scidb and scihist packages (not for direct use).
%
% Arguments
%   pairs_call        - Run an engine operation on a call's name/value pairs.
%   variable_name     - The database name of a variable type.
%   is_variable_class - True when a name is that of a scidb.BaseVariable subclass.
%
% Records
%   provenance        - Ask the engine how a record was produced.
%   list_versions     - Every version of a variable at some metadata.
%
% for_each
%   run_for_each      - scidb.for_each and scihist.for_each: arguments in, result table out.
%   serialised_call   - Call a for_each function through its types' to_db/from_db.
%   tidy_column       - A table column from a cell of values.
%   columns_table     - A result table (MATLAB) or struct of columns (Octave).
%
% Example
%   v = scidb.internal.pairs_call('list_versions', struct('variable', 'RawEMG'), {'subject', 1});
%
% See also scidb.
