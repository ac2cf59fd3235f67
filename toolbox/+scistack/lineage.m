function out = lineage(varargin)
%LINEAGE  A picture of the pipeline: variables, functions, coverage and staleness.
%   TEXT = scistack.lineage() returns the current database's pipeline as SVG text: a box
%   per variable (with its counts of done, stale, error and missing records over its
%   grid) and per function and fingerprint, joined by lineage.
%
%   FILE = scistack.lineage('output', FILE) writes the picture to FILE instead and
%   returns FILE; the format follows its extension (.svg, .html, .mmd, .dot, .json).
%   The .html file is self-contained: click a variable for its grid, a grid cell for
%   how that record was made.
%
%   Name/value options:
%     'format'   - 'svg' (default), 'html', 'mermaid', 'dot' or 'json'
%     'variable' - only what is upstream and downstream of this variable type
%                  (an instance, RawEMG(), or its name)
%     'record'   - the lineage of one record (its record_id) instead
%     'reduce'   - false keeps the edges a transitive reduction drops (default true)
%     'output'   - the file to write
%     'db'       - a scidb.Database (default: the current database)
%
%   The same picture as the command line's "scistack lineage DB" (Python engine).
%
%   Example:
%     scidb.configure_database('study.duckdb', {'subject', 'session'});
%     scistack.lineage('output', 'pipeline.html');
%     mermaid = scistack.lineage('format', 'mermaid', 'variable', 'MeanStepLength');
%
%   See also scistack.report, scidb.export.

for k = 2:2:numel(varargin)  % a variable type given as an instance goes by its name
    if isa(varargin{k}, 'scidb.BaseVariable') || isa(varargin{k}, 'meta.class')
        varargin{k} = scidb.internal.variable_name(varargin{k}, 'scistack.lineage');
    end
end
out = scidb.internal.pairs_call('lineage', struct(), varargin);
end
