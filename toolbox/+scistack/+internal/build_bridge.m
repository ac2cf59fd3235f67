function info = build_bridge(python)
%BUILD_BRIDGE  Compile GNU Octave's MEX bridge to the Python engine.
%   INFO = scistack.internal.build_bridge(PYTHON) compiles bridge.c (next to this file)
%   into the MEX file scistack.internal.bridge, against the Python whose executable is
%   PYTHON (for example a virtual environment's bin/python). PYTHON's setup helper
%   (scistack_engine/setup_support.py, its bridge command) gives the mkoctfile
%   arguments: the compiler and linker flags of the python3-config of PYTHON's base
%   interpreter (a virtual environment has no python3-config of its own), or of its
%   sysconfig when that script is missing, and an rpath to libpython's folder.
%
%   INFO = scistack.internal.build_bridge(PLAN) compiles with the plan that
%   scistack.setup got from the helper (a struct with the fields target, arguments,
%   executable and version).
%
%   INFO is the plan, with the field mex: the built file.
%
%   Needs GNU Octave with mkoctfile (Debian: liboctave-dev) and a Python built with a
%   shared libpython. Users call scistack.setup, which runs this when needed.
%
%   Example (GNU Octave):
%     info = scistack.internal.build_bridge('/path/to/venv/bin/python');
%
%   See also scistack.setup, scistack.internal.bridge, scistack.internal.setup_helper.

if exist('OCTAVE_VERSION', 'builtin') == 0
    error('scistack:setup:octaveOnly', ...
          'the MEX bridge is for GNU Octave; MATLAB reaches Python through py. (pyenv)');
end
info = python;
if ~isstruct(info)
    if ~ischar(python) || isempty(python)
        error('scistack:setup:badPython', 'PYTHON must be the path of a Python executable');
    end
    target = fullfile(fileparts(mfilename('fullpath')), ['bridge.', mexext()]);
    [report, problem] = scistack.internal.setup_helper(python, ...
                                                       {'bridge', '--mex', target});
    if ~isempty(report) && ~report.ok
        problem = report.error.message;
    end
    if isempty(report) || ~report.ok
        error('scistack:setup:badPython', 'cannot run the Python ''%s'' (%s)', python, ...
              problem);
    end
    info = report.bridge;
end
args = info.arguments(:)';
warnings = warning('off', 'all');
[output, status] = mkoctfile(args{:});
warning(warnings);
if status ~= 0 || ~exist(info.target, 'file')
    error('scistack:setup:buildFailed', ...
          ['compiling the Octave bridge failed (mkoctfile %s):\n%s\n', ...
           'Install liboctave-dev (mkoctfile) and the Python development files.'], ...
          strjoin(args, ' '), output);
end
rehash();
info.mex = info.target;
end
