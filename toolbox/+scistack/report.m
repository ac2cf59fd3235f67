function out = report(varargin)
%REPORT  An HTML report of one for_each run: where it ran, what failed and why.
%   HTML = scistack.report() returns the report of the current database's latest run as
%   HTML text: the function, its fingerprint, host, executor and wall time; a heat map
%   of the status of every combination over its grid; errors grouped by type with their
%   tracebacks; the slowest combinations; skipped combinations with their reasons.
%
%   FILE = scistack.report('output', FILE) writes the report to FILE and returns FILE.
%
%   Name/value options:
%     'run'    - the run's id, or a unique prefix of it (default: the latest run)
%     'output' - the file to write
%     'db'     - a scidb.Database (default: the current database)
%
%   The same report as the command line's "scistack report DB" (Python engine).
%
%   Example:
%     scidb.for_each(@step_length, struct('raw', RawKinematicData()), {StepLength()}, ...
%                    'subject', [1 2 3]);
%     scistack.report('output', 'run.html');
%
%   See also scistack.lineage, scidb.export.

out = scidb.internal.pairs_call('report', struct(), varargin);  % the engine reads the options
end
