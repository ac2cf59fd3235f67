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
%   A file under one of the roots is library code (the engine's rule,
%   scistack_engine.matlab_fingerprint.under_roots); the engine asks for this list once.
%
%   Example:
%     libraries = scistack.internal.fingerprint_libraries();
%     libraries.roots   % matlabroot or OCTAVE_HOME's folders, the toolbox's packages
%
%   See also scistack.internal.fingerprint.

if exist('OCTAVE_VERSION', 'builtin') > 0
    roots = octave_roots();
else
    roots = matlab_roots();
end
toolbox = fileparts(fileparts(fileparts(mfilename('fullpath'))));
packages = dir(fullfile(toolbox, '+*'));
roots = [roots, cellfun(@(name) fullfile(toolbox, name), {packages.name}, ...
                        'UniformOutput', false)];
roots = roots(~cellfun(@isempty, roots));
for k = 1:numel(roots)
    if roots{k}(end) ~= filesep
        roots{k} = [roots{k}, filesep];
    end
end
libraries = struct('roots', {unique(roots)}, 'fold_case', ispc());
end

function roots = octave_roots()
home = OCTAVE_HOME();
roots = {fullfile(home, 'share', 'octave'), fullfile(home, 'lib'), ...
         fullfile(home, 'lib64'), fullfile(home, 'libexec')};
try
    [prefix, arch_prefix] = pkg('prefix');
    roots = [roots, {prefix, arch_prefix}];
catch
    % no package system: nothing more to name
end
end

function roots = matlab_roots()
roots = {matlabroot()};
try
    roots{end + 1} = char(matlabshared.supportpkg.getSupportPackageRoot());
catch
    % no support package root configured: none installed
end
try
    installed = matlab.addons.installedAddons();
catch
    installed = [];
end
if ~isempty(installed)  % a table: empty when nothing is installed
    roots{end + 1} = addon_folder();
end
end

function folder = addon_folder()
% The add-on installation folder: the Add-On setting where the release has it, else
% the platform's default (Home > Add-Ons > Manage Add-Ons shows and changes it).
folder = '';
try
    s = settings();
    folder = char(s.matlab.addons.InstallationFolder.ActiveValue);
catch
    % a release without the setting: the default below
end
if ~isempty(folder)
    return
end
if ispc()
    folder = fullfile(getenv('APPDATA'), 'MathWorks', 'MATLAB Add-Ons');
elseif ismac()
    folder = fullfile(getenv('HOME'), 'Library', 'Application Support', 'MathWorks', ...
                      'MATLAB Add-Ons');
else
    folder = fullfile(getenv('HOME'), 'MATLAB Add-Ons');
end
end
