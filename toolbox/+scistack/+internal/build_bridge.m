function info = build_bridge(python, outdir)
%BUILD_BRIDGE  Compile GNU Octave's MEX bridge to the Python engine.
%   INFO = scistack.internal.build_bridge(PYTHON) compiles bridge.c (next to this file)
%   into the MEX file scistack.internal.bridge, against the Python whose executable is
%   PYTHON (for example a virtual environment's bin/python). The compiler and linker
%   flags come from the python3-config of PYTHON's base interpreter (a virtual
%   environment has no python3-config of its own), or from its sysconfig when that
%   script is missing. INFO is a struct describing PYTHON (see below).
%
%   INFO = scistack.internal.build_bridge(PYTHON, OUTDIR) writes the MEX file to the
%   folder OUTDIR, which must be a +scistack/+internal package folder on the path
%   (default: the folder of this file).
%
%   INFO = scistack.internal.build_bridge(PYTHON, '') only probes PYTHON, without
%   compiling.
%
%   INFO fields: executable, version ('3.11'), base_prefix, libdir, config (the
%   python3-config used, '' for sysconfig), includes and ldflags (cellstr), engine (the
%   scistack_engine version importable by PYTHON, '' when it is not), engine_error,
%   mex (the built file, '' when only probing).
%
%   Needs GNU Octave with mkoctfile (Debian: liboctave-dev) and a Python built with a
%   shared libpython. Users call scistack.setup, which runs this when needed.
%
%   Example (GNU Octave):
%     info = scistack.internal.build_bridge('/path/to/venv/bin/python');
%
%   See also scistack.setup, scistack.internal.bridge.

here = fileparts(mfilename('fullpath'));
if nargin < 2
    outdir = here;
end
if exist('OCTAVE_VERSION', 'builtin') == 0
    error('scistack:setup:octaveOnly', ...
          'the MEX bridge is for GNU Octave; MATLAB reaches Python through py. (pyenv)');
end
if ~ischar(python) || isempty(python)
    error('scistack:setup:badPython', 'PYTHON must be the path of a Python executable');
end

info = probe_python(python, fullfile(here, 'bridge_probe.py'));
info.mex = '';
if isempty(outdir)
    return
end

target = fullfile(outdir, ['bridge.', mexext()]);
args = [{'--mex', '-o', target}, info.includes, {fullfile(here, 'bridge.c')}, ...
        info.ldflags];
if ~isempty(info.libdir)
    args{end + 1} = ['-Wl,-rpath,', info.libdir];
end

warnings = warning('off', 'all');
[output, status] = mkoctfile(args{:});
warning(warnings);
if status ~= 0 || ~exist(target, 'file')
    error('scistack:setup:buildFailed', ...
          ['compiling the Octave bridge failed (mkoctfile %s):\n%s\n', ...
           'Install liboctave-dev (mkoctfile) and the Python development files.'], ...
          strjoin(args, ' '), output);
end
rehash();
info.mex = target;
end

function info = probe_python(python, probe)
% Ask PYTHON (through bridge_probe.py) for its version, flags and engine.
command = sprintf('"%s" "%s"', python, probe);
[status, output] = system(command);
if status ~= 0
    error('scistack:setup:badPython', ...
          'cannot run the Python ''%s'' (%s): %s', python, command, strtrim(output));
end
info = struct();
lines = strsplit(output, sprintf('\n'));
for k = 1:numel(lines)
    parts = strsplit(lines{k}, sprintf('\t'));
    if numel(parts) == 2 && isvarname(parts{1})
        info.(parts{1}) = parts{2};
    end
end
needed = {'executable', 'version', 'base_prefix', 'shared', 'libdir', 'config', ...
          'includes', 'ldflags', 'engine', 'engine_error'};
missing = needed(~isfield(info, needed));
if ~isempty(missing)
    error('scistack:setup:badPython', ...
          'the Python ''%s'' did not report %s; its output was:\n%s', python, ...
          strjoin(missing, ', '), output);
end
separator = char(31);
info.includes = strsplit(info.includes, separator);
info.ldflags = strsplit(info.ldflags, separator);
info.includes = info.includes(~cellfun('isempty', info.includes));
info.ldflags = info.ldflags(~cellfun('isempty', info.ldflags));
end
