% SCIHIST  SciStack in one package: storage, lineage and for_each that skips what is computed.
%
% scihist.for_each is scidb.for_each with lineage on every output: each combination's
% cache key comes from the function's code fingerprint, its constants and the content of
% its inputs, and combinations already computed are not run again. The rest of the API
% lives in the packages below it: scidb (variables, databases, Fixed, Merge, Col, where,
% Sql) and scilineage (Thunk, provenance).
%
% Functions
%   configure_database - Open or create a SciStack database file and make it current.
%   get_database       - The current SciStack database (scidb.get_database).
%   for_each           - scidb.for_each with lineage on every output, skipping what is computed.
%
% Example
%   scihist.configure_database('experiment.duckdb', {'subject', 'session'});
%   scihist.for_each(@bandpass_filter, struct('signal', RawEMG(), 'low_hz', 20), ...
%                    {FilteredEMG()}, 'subject', [1 2 3], 'session', {'pre', 'post'});
%
% See also scidb, scilineage, scidb.for_each.
