% SCIDB  Typed, versioned storage of analysis data in one DuckDB file, and for_each over it.
%
% Configure a database once, name each kind of data with an empty subclass of
% scidb.BaseVariable, then save and load values by their experimental metadata. The same
% database serves MATLAB, GNU Octave and Python: values keep their class and size, and a
% MATLAB for_each plans, skips and logs exactly as a Python one (the Python engine does
% both).
%
% Database
%   configure_database - Open or create a SciStack database file and make it current.
%   get_database       - The current SciStack database.
%   Database           - An open SciStack database: its file, schema keys and engine handle.
%
% Variable groups (of the current database)
%   add_to_var_group      - Add variables to a variable group.
%   remove_from_var_group - Remove variables from a variable group.
%   get_var_group         - The variables of a variable group.
%   list_var_groups       - The names of the variable groups.
%
% Variables
%   BaseVariable       - Base class of variable types: subclass it with an empty body.
%
% Batch processing
%   for_each           - Run a function over every combination of metadata, loading and saving.
%   Fixed              - A for_each input loaded with some metadata pinned.
%   Merge              - Several variables joined column-wise into one table per combination.
%   Col                - A column selection of a table-valued variable.
%   PathTemplate       - A for_each input: a file path built from the metadata.
%   where              - A for_each filter comparing a variable's value with a given value.
%   Sql                - A where filter written in SQL over the combinations' metadata.
%   Filter             - A where filter; combine filters with &, | and ~.
%
% Lineage
%   Thunk              - Wrap a function so that its calls record lineage and are cached.
%
% Export
%   export             - Write a variable's latest records to csv, parquet or .mat, with provenance.
%
% Example
%   scidb.configure_database('experiment.duckdb', {'subject', 'session'});
%   RawEMG().save(randn(1000, 1), 'subject', 1, 'session', 'pre');
%   raw = RawEMG().load('subject', 1, 'session', 'pre');
%   scidb.for_each(@bandpass_filter, struct('signal', RawEMG(), 'low_hz', 20), ...
%                  {FilteredEMG()}, 'subject', [1 2 3], 'session', {'pre', 'post'});
%
% In MATLAB, name/value pairs may be written with name=value syntax and text as strings:
%   RawEMG().save(x, subject=1, session="pre").
%
% See also scihist, scilineage, scistack.setup.
