% SCIFOR  Batch runs over tables: call a function once per combination of conditions.
%
% scifor is the bottom layer of SciStack: give it a function, your tables and the
% experimental conditions to loop over; it calls the function once per combination
% with just that combination's rows and gathers what it returned into one table. No
% database, no lineage. The rules (slicing, skips, filters, the result table) are those
% of Python's scifor, which the engine runs; your function runs in MATLAB (or GNU
% Octave, where tables are structs of columns).
%
% Schema
%   set_schema - Declare the metadata keys that identify an experimental condition.
%   get_schema - The metadata keys set with scifor.set_schema.
%
% Running
%   for_each   - Call a function once per combination of metadata values.
%
% Inputs
%   Fixed      - A table input whose metadata is pinned to fixed values.
%   Select     - Pass only some columns of a table input.
%   Merge      - Several table inputs joined column-wise into one table.
%   Table      - Mark a struct of columns as a table input (or output).
%
% Filters (the where option)
%   Col        - A column reference: scifor.Col('snr') > 3.
%   Filter     - A row condition; combine with & | ~.
%
% Packages
%   scifor.internal - Helpers of for_each (not for direct use).
%
% Example
%   scifor.set_schema({'subject', 'session'});
%   results = scifor.for_each(@bandpass_filter, struct('signal', raw, 'low_hz', 20), ...
%                             'subject', [1 2 3], 'session', {'pre', 'post'});
%
% See also scifor.for_each, scifor.set_schema.
