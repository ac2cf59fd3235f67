function output = release_toolbox(options)
%RELEASE_TOOLBOX  Package the SciStack toolbox as a .mltbx file with MATLAB (R2023a+).
%   OUTPUT = release_toolbox() builds the release package of the toolbox:
%     1. it stages the package's folder with packaging/stage_toolbox.py --stage: the files
%        of toolbox/ (without the build products that scistack.prj excludes) and the
%        Python source of the engine with its requirements, under python/;
%     2. it reads name, version, GUID, summary, description, release range and
%        platforms from scistack.prj (the version is checked against the engine's by
%        the staging step);
%     3. it packages the staged folder with matlab.addons.toolbox.ToolboxOptions and
%        matlab.addons.toolbox.packageToolbox, and returns the path of the .mltbx file
%        (build/SciStack-<version>.mltbx).
%
%   release_toolbox(Python="/path/to/python3") stages with that Python (3.11 or later,
%   for tomllib); release_toolbox(Output="file.mltbx") names the package file.
%
%   MATLAB-only (arguments block, string, ToolboxOptions): this file is not part of the
%   toolbox. CI checks that it parses (tests/python/test_packaging.py) and builds the
%   same layout with packaging/stage_toolbox.py.
%
%   Example (MATLAB, from the repository root):
%     file = release_toolbox(Python="python3");
%     matlab.addons.install(file);
%
%   See also matlab.addons.toolbox.ToolboxOptions, matlab.addons.toolbox.packageToolbox.

arguments
    options.Python (1, 1) string = "python3"
    options.Output (1, 1) string = ""
end

root = string(fileparts(fileparts(mfilename("fullpath"))));
staged = fullfile(root, "build", "stage");
builder = fullfile(root, "packaging", "stage_toolbox.py");
command = sprintf('"%s" "%s" --stage "%s"', options.Python, builder, staged);
[status, text] = system(command);
if status ~= 0
    error("scistack:release:stageFailed", "staging the toolbox failed (%s):\n%s", ...
          command, text);
end

project = xmlread(fullfile(root, "scistack.prj"));
guid = param(project, "param.guid");
version = param(project, "param.version");

opts = matlab.addons.toolbox.ToolboxOptions(staged, guid);
opts.ToolboxName = param(project, "param.appname");
opts.ToolboxVersion = version;
opts.Summary = param(project, "param.summary");
opts.Description = param(project, "param.description");
opts.AuthorName = param(project, "param.authnamewatermark");
opts.AuthorEmail = param(project, "param.email");
opts.AuthorCompany = param(project, "param.company");
opts.MinimumMatlabRelease = param(project, "param.release.start");
last = param(project, "param.release.end");
if last ~= "latest"
    opts.MaximumMatlabRelease = last;
end
platforms = opts.SupportedPlatforms;
platforms.Win64 = param(project, "param.compatiblity.windows") == "true";
platforms.Maci64 = param(project, "param.compatiblity.macos") == "true";
platforms.Glnxa64 = param(project, "param.compatiblity.linux") == "true";
platforms.MatlabOnline = param(project, "param.compatiblity.matlabonline") == "true";
opts.SupportedPlatforms = platforms;
opts.ToolboxMatlabPath = code_folders(staged);
guide = fullfile(staged, "doc", "GettingStarted.m");
if isfile(guide)
    opts.ToolboxGettingStartedGuide = guide;
end
if options.Output == ""
    output = fullfile(root, "build", "SciStack-" + version + ".mltbx");
else
    output = options.Output;
end
opts.OutputFile = output;

matlab.addons.toolbox.packageToolbox(opts);
fprintf("Packaged %s %s (GUID %s) as %s\n", opts.ToolboxName, version, guid, output);
end

function value = param(document, name)
% The text of the element NAME of scistack.prj, as a string ("" when empty).
nodes = document.getElementsByTagName(name);
value = "";
if nodes.getLength() > 0 && ~isempty(nodes.item(0).getFirstChild())
    value = strtrim(string(nodes.item(0).getTextContent()));
end
end

function folders = code_folders(staged)
% The staged root and its plain folders that hold MATLAB code, as stage_toolbox.py
% lists them: never +package, @class or private folders, nor python, doc, resources.
folders = staged;
listing = dir(fullfile(staged, "**", "*.m"));
for k = 1:numel(listing)
    folder = string(listing(k).folder);
    relative = extractAfter(folder, strlength(staged));
    parts = split(strip(relative, "left", filesep), filesep);
    hidden = any(startsWith(parts, ["+", "@"])) || any(parts == "private");
    if relative == "" || hidden || any(parts(1) == ["python", "doc", "resources"])
        continue
    end
    folders(end + 1) = folder; %#ok<AGROW>
end
folders = unique(folders, "stable");
end
