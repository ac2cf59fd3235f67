function [result, info] = for_each(fn, inputs, outputs, varargin)
%FOR_EACH  Run a function over every combination of metadata, loading and saving by metadata.
%   RESULT = scidb.for_each(FN, INPUTS, OUTPUTS, 'subject', [1 2 3], 'session', {'pre', 'post'})
%   calls FN once per combination of the iterables (their Cartesian product, in the order
%   given). At each combination the inputs are loaded from the current database and FN is
%   called with them, in the order of INPUTS' fields; its outputs are saved as the
%   variables OUTPUTS at the combination's metadata.
%
%   FN       a function handle (@bandpass_filter) or a function name. Every output is
%            saved with its provenance (function, fingerprint, constants, input
%            records), so DB.provenance answers and a load with 'low_hz', 20 selects
%            by that constant; every combination runs again on a rerun. A scidb.Thunk
%            (scilineage.Thunk) also skips computed combinations, as scihist.for_each.
%   INPUTS   a struct (or a cell of name/value pairs) mapping FN's parameters to:
%              RawEMG() or 'RawEMG'      the variable's record at the combination;
%              scidb.Fixed(RawEMG(), 'session', 'baseline')   with some keys pinned;
%              RawEMG().col('name') or scidb.Col(RawEMG(), {'a', 'b'})   table columns;
%              scidb.Merge(A(), B())     several variables joined into one table;
%              scidb.PathTemplate('raw/{subject}.csv')   a path made from the metadata;
%              anything else             a constant, passed unchanged to every call.
%            (In struct(...), wrap a cell constant in braces: struct('c', {{1, 2}}).)
%            An input that matches several records (a partial address) arrives as a
%            cell of their values, or a table with 'as_table'. INPUTS may also be a
%            cell of variable instances, such as db.get_var_group('kinematics'): each
%            is the input named after its variable (FN receives them in that order).
%   OUTPUTS  a cell of variable types ({FilteredEMG()} or {'FilteredEMG'}); FN is called
%            with numel(OUTPUTS) outputs. {} calls FN for its effects only.
%   Iterables: 'key', values pairs; values may be a numeric vector, a cell array, a
%   string array or one value; [] means every value of that key the inputs have.
%
%   Options (name/value):
%     'where', F         only combinations passing the filter F (scidb.where,
%                        scidb.Sql, combined with & | ~) or the SQL text F
%     'dry_run', true    plan only: report what would run, what is missing and why
%     'save', false      run FN and return its outputs without saving or logging
%     'skip_existing', true  skip a combination whose every output already has a record
%                        at its metadata (status 'cached'): a rerun after an
%                        interruption continues where it stopped
%     'as_table', true   inputs matching several records arrive as a table (also a
%                        cellstr naming the inputs this applies to)
%     'batch_size', N    combinations loaded in one query, and the most committed in
%                        one transaction (500); what finished is also committed every
%                        5 seconds, so an interrupted run keeps its work
%     'on_error', 'raise'  stop at the first error (after committing what finished)
%                        and rethrow it; the default 'continue' records it and goes on
%     'progress', false  no progress lines (true: a line at every tenth of the run and
%                        after 30 s without one; default: the same once the run has
%                        taken 2 seconds, so quick runs print nothing)
%     'executor', 'processes'  run FN on parallel workers: MATLAB's process pool
%                        (parfeval; Parallel Computing Toolbox) or GNU Octave's
%                        parcellfun (the parallel package). Workers get plain values
%                        and never open the database; this MATLAB saves everything, as
%                        a serial run would. Default 'serial'; see docs/parallel.md
%     'db', DB           a scidb.Database other than the current one
%
%   A combination with a missing input is skipped and its reason recorded; an error in
%   FN is recorded with its message and stack, and the run goes on (a warning at the end
%   names the first failure). Every run is logged in the database tables _runs and
%   _run_combos, the same log Python's scidb.for_each writes.
%
%   RESULT has one row per combination: the metadata columns, status ('done', 'skipped',
%   'failed', 'cached'; 'would_run' in a dry run), reason, and one column per output with
%   the saved record id (with 'save', false: the returned value). It is a table in MATLAB
%   and a struct of N-by-1 columns in GNU Octave. [RESULT, INFO] = scidb.for_each(...)
%   also returns INFO: run_id (the run in _runs), counts by status and seconds. A
%   saving run over more than 100,000 combinations returns rows for its skipped and
%   failed combinations only; every row is in _run_combos.
%
%   Example:
%     scidb.configure_database('experiment.duckdb', {'subject', 'session'});
%     r = scidb.for_each(@bandpass_filter, struct('signal', RawEMG(), 'low_hz', 20), ...
%                        {FilteredEMG()}, 'subject', [1 2 3], 'session', {'pre', 'post'});
%     % in MATLAB also: scidb.for_each(..., subject=[1 2 3], session=["pre" "post"])
%
%   See also scihist.for_each, scidb.Fixed, scidb.Merge, scidb.Col, scidb.where, scidb.Sql.

if nargin < 3
    error('scistack:arguments:missing', ...
          ['usage: scidb.for_each(FN, INPUTS, OUTPUTS, ''key'', values, ...), for example ', ...
           'scidb.for_each(@f, struct(''x'', RawEMG()), {Out()}, ''subject'', [1 2 3])']);
end
[result, info] = scidb.internal.run_for_each(fn, inputs, outputs, varargin, false);
end
