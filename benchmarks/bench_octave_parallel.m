function figures = bench_octave_parallel()
%BENCH_OCTAVE_PARALLEL  scidb.for_each with 'executor', 'processes' versus serial, from Octave.
%   FIGURES = bench_octave_parallel() prints and returns the wall-clock seconds of
%   scidb.for_each over 200 combinations of a 20 ms function, serially and with
%   'executor', 'processes' (GNU Octave: parcellfun of the parallel package, one worker
%   per core; MATLAB: parfeval on the process pool), and the speed-up; and the same for a
%   trivial function (x + 1) over 1,000 combinations, where the driver should stay serial
%   and cost no more than a serial run. Run it with the toolbox set up:
%
%     cd benchmarks
%     SCISTACK_PYTHON=../.venv/bin/python octave-cli --no-history --norc --quiet \
%         --eval "bench_octave_parallel"
%
%   Example:
%     f = bench_octave_parallel();
%
%   See also scidb.for_each, bench_octave.

here = fileparts(mfilename('fullpath'));
addpath(fullfile(here, '..', 'toolbox'));
addpath(fullfile(here, '..', 'tests', 'matlab', 'helpers_scidb'));
folder = tempname();
mkdir(folder);
cleanup = onCleanup(@() rmdir(folder, 's'));
db = scidb.configure_database(fullfile(folder, 'bench.duckdb'), {'subject', 'trial'});
scidb.for_each(@() rand(), struct(), {Speed()}, 'subject', 1:10, 'trial', 1:100, ...
               'progress', false);
slow = {'subject', 1:2, 'trial', 1:100, 'progress', false};
cheap = {'subject', 1:10, 'trial', 1:100, 'progress', false};
inputs = struct('x', Speed(), 'factor', 2);
% warm-up: the workers start (and stay) on the first parallel run
scidb.for_each(@helper_slow_scale, inputs, {'Warm'}, 'subject', 1, 'trial', 1:10, ...
               'progress', false, 'executor', 'processes');

figures = struct();
figures.slow_serial_s = timed(@() scidb.for_each(@helper_slow_scale, inputs, ...
                                                  {'SlowSerial'}, slow{:}));
figures.slow_parallel_s = timed(@() scidb.for_each(@helper_slow_scale, inputs, ...
                                                    {'SlowParallel'}, slow{:}, ...
                                                    'executor', 'processes'));
figures.cheap_serial_s = timed(@() scidb.for_each(@(x) x + 1, struct('x', Speed()), ...
                                                   {'CheapSerial'}, cheap{:}));
figures.cheap_parallel_s = timed(@() scidb.for_each(@(x) x + 1, struct('x', Speed()), ...
                                                     {'CheapParallel'}, cheap{:}, ...
                                                     'executor', 'processes'));
db.close();
fprintf('%s, %d cores\n', version(), nproc());
fprintf('20 ms function x 200: serial %.2f s, processes %.2f s: %.2fx\n', ...
        figures.slow_serial_s, figures.slow_parallel_s, ...
        figures.slow_serial_s / figures.slow_parallel_s);
fprintf('x + 1 x 1,000: serial %.2f s, processes %.2f s (time ratio %.2f)\n', ...
        figures.cheap_serial_s, figures.cheap_parallel_s, ...
        figures.cheap_parallel_s / figures.cheap_serial_s);
if nargout == 0
    clear('figures');
end
end

function seconds = timed(fn)
started = tic();
fn();
seconds = toc(started);
end
