function libraries = fingerprint_libraries()
%FINGERPRINT_LIBRARIES  The folders whose functions fingerprints name but do not follow.
%   LIBRARIES = scistack.internal.fingerprint_libraries() returns a struct with the fields
%     roots      cellstr of folders, each ending in filesep: code under them is library
%                code, which a fingerprint names and never reads;
%     fold_case  true where file names are compared without case (Windows).
%   The roots are the runtime's own folders and the SciStack toolbox's packages, and
%   in MATLAB also what is installed beside MATLAB rather than by the user:
%     MATLAB         matlabroot; the hardware support package root
%                    (matlabshared.supportpkg.getSupportPackageRoot); the add-on
%                    installation folder, when add-ons are installed
%                    (matlab.addons.installedAddons), as the Add-On settings name it,
%                    or else the default folder of the platform;
%     GNU Octave     OCTAVE_HOME's share, lib and libexec folders and the pkg prefixes.
%   The toolbox's examples/ and doc/ are user code: users copy and edit them.
%
%   This function gathers what only the runtime can tell (matlabroot, OCTAVE_HOME, the
%   settings); the engine makes the roots from it
%   (scistack_engine.matlab_fingerprint.library_roots) and decides that a file under
%   one of them is library code (under_roots); the engine asks for this list once.
%
%   Example:
%     libraries = scistack.internal.fingerprint_libraries();
%     libraries.roots   % matlabroot or OCTAVE_HOME's folders, the toolbox's packages
%
%   See also scistack.internal.fingerprint.

facts = struct('toolbox', fileparts(fileparts(fileparts(mfilename('fullpath')))), ...
               'fold_case', ispc(), 'octave_home', '', 'folders', {{}}, 'addons', false, ...
               'addon_folder', '');
if exist('OCTAVE_VERSION', 'builtin') > 0
    facts.octave_home = OCTAVE_HOME();
    try
        [prefix, arch_prefix] = pkg('prefix');
        facts.folders = {prefix, arch_prefix};
    catch
        % no package system: nothing more to name
    end
else
    facts.folders = {matlabroot()};
    try
        facts.folders{end + 1} = char(matlabshared.supportpkg.getSupportPackageRoot());
    catch
        % no support package root configured: none installed
    end
    try
        facts.addons = ~isempty(matlab.addons.installedAddons());  % a table
        s = settings();
        facts.addon_folder = char(s.matlab.addons.InstallationFolder.ActiveValue);
    catch
        % no add-ons, or a release without the setting: the engine uses the default
    end
end
libraries = scistack.internal.engine_call('library_roots', facts);
libraries.roots = reshape(cellstr(libraries.roots), 1, []);
end
