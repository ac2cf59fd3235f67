function summary = export(variable, file, varargin)
%EXPORT  Write a variable's latest records to csv, parquet or .mat, with provenance.
%   SUMMARY = scidb.export(VAR, FILE) writes the latest version of every record of the
%   variable type VAR (an instance, RawEMG(), or its name) to FILE, in the format its
%   extension names: .csv and .parquet hold the variable's SQL view (metadata columns,
%   value, version, record_id); .mat holds a struct array named after the variable, one
%   element per record, whose value fields load with the class and size SciStack gives
%   them (values .mat cannot hold, such as tables and datetimes, are refused with an
%   error naming the record). Beside FILE, FILE.provenance.json lists every record's id,
%   content hash and what produced it.
%
%   SUMMARY = scidb.export(VAR, FILE, 'subject', 1, ...) exports only the records with
%   that metadata (several values mean any of them).
%
%   SUMMARY is a struct: path, format, rows, records (their number) and provenance (the
%   sidecar's path).
%
%   Name/value options:
%     'format'      - 'csv', 'parquet' or 'mat' (default: from FILE's extension)
%     'mat_version' - 5 or 7.3: the .mat layout (default: v5, and v7.3 when the
%                     values are over v5's 2 GB). v7.3 is written with Python's h5py,
%                     which usually cannot load inside MATLAB or Octave (their own HDF5
%                     library is loaded first): the error then says to run
%                     "scistack export DB VAR --mat-version 7.3 -o OUT" from a shell.
%     'db'          - a scidb.Database (default: the current database)
%
%   Example:
%     scidb.export(MeanStepLength(), 'means.csv', 'session', 'post');
%     s = scidb.export('StepLength', 'steps.mat');
%     s = scidb.export('StepLength', 'steps.mat', 'mat_version', 5);
%
%   See also scistack.lineage, scistack.report.

request = struct('variable', scidb.internal.variable_name(variable, 'export'), ...
                 'path', char(file));
summary = scidb.internal.pairs_call('export', request, varargin);
end
