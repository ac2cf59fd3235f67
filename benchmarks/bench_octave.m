function figures = bench_octave()
%BENCH_OCTAVE  Per-combination cost of for_each, and one save and one load, from Octave.
%   FIGURES = bench_octave() prints and returns the cost of the MATLAB toolbox's
%   scidb.for_each and scihist.for_each over 1,000 combinations with a trivial function,
%   and of one save and one load of a 1,000-element double array. It runs in GNU Octave
%   (or MATLAB) with the toolbox on the path and the engine set up (scistack.setup):
%
%     cd benchmarks
%     SCISTACK_PYTHON=../.venv/bin/python octave-cli --no-history --norc --quiet \
%         --eval "bench_octave"
%
%   Workloads (best of 3 for the for_each figures, median of 50 calls for save/load):
%     for_each fresh        1,000 scalar inputs (Speed: 10 subjects x 100 trials), x + 1 saved
%                           as a new output variable each repeat, run logged
%     for_each rerun        the same call again: every output exists with the same value
%                           (the function runs; nothing new is saved)
%     scihist fresh         scihist.for_each into a new variable: lineage on every output
%     scihist cached        the same scihist.for_each again: every combination cached,
%                           nothing to do
%     save / load           RawEMG().save(x, ...) / RawEMG().load(...) of 1,000 doubles;
%                           'engine' is the engine_call alone with a prebuilt request
%     Thunk call / hit      scilineage.Thunk(@(x, factor) x * factor) on a loaded record
%                           and a new constant (median of 200), then the same 200 calls
%                           again (cache hits); 'chained' passes an earlier call's result
%   Each figure is given as wall-clock time (what the targets apply to) and as the CPU
%   time of the Octave process, which includes the embedded Python engine and is less
%   disturbed by other load on the machine. Targets: <= 1 ms per combination fresh,
%   <= 0.2 ms with nothing to do, <= 2 ms for one save and one load.
%
%   Example:
%     f = bench_octave();
%
%   See also scidb.for_each, scihist.for_each.

here = fileparts(mfilename('fullpath'));
addpath(fullfile(here, '..', 'toolbox'));
addpath(fullfile(here, '..', 'tests', 'matlab', 'helpers_scidb'));
folder = tempname();
mkdir(folder);
cleanup = onCleanup(@() remove_folder(folder));
db = scidb.configure_database(fullfile(folder, 'bench.duckdb'), {'subject', 'trial'});
fprintf('SciStack %s, %s, 1,000 combinations\n', scistack.version(), runtime());

% inputs: 1,000 scalars, written by a for_each without inputs
scidb.for_each(@() rand(), struct(), {Speed()}, 'subject', 1:10, 'trial', 1:100, ...
               'progress', false);
% warm-up of every code path
scidb.for_each(@(x) x + 1, struct('x', Speed()), {'BenchWarm'}, 'subject', 1, ...
               'trial', 1:10, 'progress', false);
scihist.for_each(@(x) x + 1, struct('x', Speed()), {'BenchWarmLineage'}, 'subject', 1, ...
                 'trial', 1:10, 'progress', false);

n = 1000;
iterables = {'subject', 1:10, 'trial', 1:100, 'progress', false};
input = struct('x', Speed());
fresh = zeros(2, 3);
rerun = zeros(2, 3);
lineage_fresh = zeros(2, 3);
cached = zeros(2, 3);
for r = 1:3
    fresh(:, r) = measure(@() scidb.for_each(@(x) x + 1, input, ...
                                             {sprintf('BenchFresh%d', r)}, iterables{:}));
end
for r = 1:3
    rerun(:, r) = measure(@() scidb.for_each(@(x) x + 1, input, {'BenchFresh1'}, ...
                                             iterables{:}));
end
for r = 1:3
    lineage_fresh(:, r) = measure(@() scihist.for_each(@(x) x + 1, input, ...
                                                       {sprintf('BenchLineage%d', r)}, ...
                                                       iterables{:}));
end
for r = 1:3
    cached(:, r) = measure(@() scihist.for_each(@(x) x + 1, input, {'BenchLineage1'}, ...
                                                iterables{:}));
end
result = scihist.for_each(@(x) x + 1, input, {'BenchLineage1'}, iterables{:});
assert(all(strcmp(result.status, 'cached')), 'the rerun of scihist.for_each was not cached');

x = randn(1000, 1);
saves = zeros(2, 50);
loads = zeros(2, 50);
engine_saves = zeros(2, 50);
engine_loads = zeros(2, 50);
for k = 1:50
    saves(:, k) = measure(@() RawEMG().save(x + k, 'subject', 1, 'trial', k));
end
for k = 1:50
    loads(:, k) = measure(@() RawEMG().load('subject', 1, 'trial', k));
end
for k = 1:50
    request = struct('variable', 'RawEMG', 'metadata', struct('subject', 2, 'trial', k));
    request.value = scistack.internal.wire_encode(x - k);
    engine_saves(:, k) = measure(@() scistack.internal.engine_call('save', request));
end
for k = 1:50
    request = struct('variable', 'RawEMG', 'metadata', struct('subject', 2, 'trial', k));
    engine_loads(:, k) = measure(@() scistack.internal.engine_call('var_load', request));
end

scale = scilineage.Thunk(@(x, factor) x * factor);
raw = RawEMG().load('subject', 1, 'trial', 1);
first = scale(raw, 0);
[thunk_calls, thunk_hits, thunk_chained] = deal(zeros(2, 200));
for k = 1:200
    thunk_calls(:, k) = measure(@() scale(raw, k));
end
for k = 1:200
    thunk_hits(:, k) = measure(@() scale(raw, k));
end
for k = 1:200
    thunk_chained(:, k) = measure(@() scale(first, k));
end
db.close();

% wall clock (best of 3 / median of 50), and the process's CPU time likewise
figures = struct();
figures.for_each_fresh_ms = 1000 * min(fresh, [], 2) / n;
figures.for_each_rerun_ms = 1000 * min(rerun, [], 2) / n;
figures.scihist_fresh_ms = 1000 * min(lineage_fresh, [], 2) / n;
figures.scihist_cached_ms = 1000 * min(cached, [], 2) / n;
figures.save_ms = 1000 * median(saves, 2);
figures.save_engine_ms = 1000 * median(engine_saves, 2);
figures.load_ms = 1000 * median(loads, 2);
figures.load_engine_ms = 1000 * median(engine_loads, 2);
figures.thunk_call_ms = 1000 * median(thunk_calls, 2);
figures.thunk_hit_ms = 1000 * median(thunk_hits, 2);
figures.thunk_chained_ms = 1000 * median(thunk_chained, 2);
fprintf('\n%-44s %10s %10s %10s\n', 'workload', 'wall', 'CPU', 'target');
line('scidb.for_each, fresh (per combination)', figures.for_each_fresh_ms, 1);
line('scidb.for_each, rerun, outputs present', figures.for_each_rerun_ms, NaN);
line('scihist.for_each, fresh (per combination)', figures.scihist_fresh_ms, 1);
line('scihist.for_each, all cached (nothing to do)', figures.scihist_cached_ms, 0.2);
line('save, 1,000 doubles (median)', figures.save_ms, 2);
line('  of which the engine call', figures.save_engine_ms, NaN);
line('load, 1,000 doubles (median)', figures.load_ms, 2);
line('  of which the engine call', figures.load_engine_ms, NaN);
line('Thunk call on a record, fresh (median)', figures.thunk_call_ms, NaN);
line('Thunk call, cache hit (median)', figures.thunk_hit_ms, NaN);
line('Thunk call on a lineage result, fresh', figures.thunk_chained_ms, NaN);
if nargout == 0
    clear('figures');
end
end

function times = measure(fn)
% Wall-clock and CPU seconds of one call of FN, as a column [wall; cpu].
cpu = cputime();
started = tic();
fn();
times = [toc(started); cputime() - cpu];
end

function line(label, value, target)
% One row: wall and CPU figures (ms) and, when there is one, the target (on wall time).
if isnan(target)
    fprintf('%-44s %7.3f ms %7.3f ms\n', label, value(1), value(2));
elseif value(1) <= target
    fprintf('%-44s %7.3f ms %7.3f ms %7.1f ms  met\n', label, value(1), value(2), target);
else
    fprintf('%-44s %7.3f ms %7.3f ms %7.1f ms  MISSED\n', label, value(1), value(2), target);
end
end

function text = runtime()
if exist('OCTAVE_VERSION', 'builtin') > 0
    text = ['GNU Octave ', version()];
else
    text = ['MATLAB ', version()];
end
end

function remove_folder(folder)
try
    rmdir(folder, 's');
catch
    % a temporary folder left behind is harmless
end
end
