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
%     'format' - 'csv', 'parquet' or 'mat' (default: from FILE's extension)
%     'db'     - a scidb.Database (default: the current database)
%
%   Example:
%     scidb.export(MeanStepLength(), 'means.csv', 'session', 'post');
%     s = scidb.export('StepLength', 'steps.mat');
%
%   See also scistack.lineage, scistack.report.

request = struct('variable', scidb.internal.variable_name(variable, 'export'), ...
                 'path', char(file));
summary = scidb.internal.pairs_call('export', request, varargin);
end
