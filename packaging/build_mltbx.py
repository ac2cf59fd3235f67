#!/usr/bin/env python3
"""Build SciStack's MATLAB toolbox package (.mltbx) without MATLAB.

A ``.mltbx`` file is an Open Packaging Conventions zip: metadata parts under
``metadata/`` and the toolbox folder under ``fsroot/``. This builder writes that layout
from ``toolbox/`` and ``scistack.prj`` so that CI can build the package on every change
and test its structure. Releases are packaged by MATLAB itself
(``packaging/release_toolbox.m``, from the folder this builder stages): the metadata
vocabulary below follows the documented layout of the format, but whether MATLAB's
installer accepts a package written by another tool has not been verified.

What goes in ``fsroot/``:

* every file of ``toolbox/`` except the ``param.exclude.filters`` of ``scistack.prj``
  (the Octave bridge's compiled MEX file, object files, Python caches);
* ``python/``: the source of the engine and of the Python packages (scistack_engine,
  scifor, scidb, scilineage, scihist) and ``python/requirements.txt``, the engine's
  dependencies from ``pyproject.toml``. ``scistack.setup`` installs these into a
  virtual environment and links the source into it, so a MATLAB user needs no clone.

Name, GUID, summary, description, release range and platforms come from
``scistack.prj``; the version is ``scistack_engine.__version__``, and the build stops
when ``scistack.prj`` or ``pyproject.toml`` says otherwise.

Usage::

    python packaging/build_mltbx.py                  # -> build/SciStack.mltbx (param.output)
    python packaging/build_mltbx.py --output X.mltbx
    python packaging/build_mltbx.py --stage DIR      # only write the fsroot tree to DIR
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import datetime
import fnmatch
import hashlib
import os
import pathlib
import shutil
import sys
import uuid
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable
from typing import Union

ROOT = pathlib.Path(__file__).resolve().parent.parent

#: The Python packages the toolbox carries (the engine and the four fronts).
ENGINE_PACKAGES = ("scistack_engine", "scifor", "scidb", "scilineage", "scihist")

#: Never packaged, whatever scistack.prj says: build products and caches.
ALWAYS_EXCLUDED = ("**/__pycache__", "**/*.pyc", "**/*.pyo", "**/*.egg-info",
                   "**/*.mex", "**/*.mex*", "**/*.o", "**/*.so", "**/*.dll", "**/*.dylib",
                   "**/.DS_Store", "**/*.asv", "**/*~")

#: Folders of the package that never go on the MATLAB path (besides +pkg, @class and
#: private, which MATLAB finds through their parent).
NOT_ON_PATH = ("python", "doc", "resources")

#: File types that make a plain folder a code folder (one to put on the MATLAB path).
CODE_SUFFIXES = (".m", ".mlx", ".p", ".mlapp", ".slx", ".mdl")

OPC_CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
OPC_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
OPC_CORE = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
MW_CORE = "http://schemas.mathworks.com/package/2012/coreProperties"
MW_CORE_EXTENSION = "http://schemas.mathworks.com/package/2014/corePropertiesExtension"

#: metadata part -> (content type, relationship type). The first three use the types of
#: MathWorks' OPC packages; the vocabulary of the four toolbox parts is this builder's
#: own (plain application/xml, relationship types under urn:scistack:mltbx:).
METADATA_PARTS = {
    "metadata/coreProperties.xml": (
        "application/vnd.openxmlformats-package.core-properties+xml",
        ("http://schemas.openxmlformats.org/package/2006/relationships/metadata/"
         "core-properties")),
    "metadata/mwcoreProperties.xml": (
        "application/vnd.mathworks.package.coreProperties+xml",
        "http://schemas.mathworks.com/package/2012/relationships/coreProperties"),
    "metadata/mwcorePropertiesExtension.xml": (
        "application/vnd.mathworks.package.corePropertiesExtension+xml",
        "http://schemas.mathworks.com/package/2014/relationships/corePropertiesExtension"),
    "metadata/addonProperties.xml": ("application/xml", "urn:scistack:mltbx:addonProperties"),
    "metadata/configuration.xml": ("application/xml", "urn:scistack:mltbx:configuration"),
    "metadata/systemRequirements.xml": ("application/xml",
                                        "urn:scistack:mltbx:systemRequirements"),
    "metadata/filesystemManifest.xml": ("application/xml",
                                        "urn:scistack:mltbx:filesystemManifest"),
}

#: Fixed time stamp of every zip entry, so that equal inputs give equal packages.
ZIP_TIME = (2020, 1, 1, 0, 0, 0)


class BuildError(Exception):
    """The inputs of the package are inconsistent or incomplete."""


@dataclasses.dataclass
class Project:
    """What scistack.prj says about the toolbox."""

    name: str
    version: str
    guid: str
    summary: str
    description: str
    author: str
    email: str
    company: str
    release_start: str
    release_end: str
    platforms: dict[str, bool]
    excludes: list[str]
    getting_started: str  # toolbox-relative ("doc/GettingStarted.m"), or ""
    examples: list[str]  # toolbox-relative main files of the examples
    output: pathlib.Path


@dataclasses.dataclass
class Package:
    """A built (or staged) package: where it is and what it holds."""

    path: pathlib.Path
    project: Project
    files: list[str]  # fsroot-relative paths, sorted
    matlab_paths: list[str]  # "/" and "/folder" entries


# ----------------------------------------------------------------------------- inputs


def _text(config: ET.Element, tag: str) -> str:
    element = config.find(tag)
    return "" if element is None or element.text is None else element.text.strip()


def _resolve(value: str, root: pathlib.Path) -> str:
    return value.replace("${PROJECT_ROOT}", str(root))


def read_project(root: pathlib.Path = ROOT, prj: pathlib.Path | None = None) -> Project:
    """Read the packaging project ``scistack.prj`` of the repository at ``root``."""
    prj = prj or root / "scistack.prj"
    tree = ET.parse(prj)
    deployment = tree.getroot()
    if deployment.tag != "deployment-project" or deployment.get("plugin") != "plugin.toolbox":
        raise BuildError(f"{prj} is not a toolbox packaging project (plugin.toolbox)")
    config = deployment.find("configuration")
    if config is None or config.get("target") != "target.toolbox":
        raise BuildError(f"{prj} has no <configuration target=\"target.toolbox\">")
    rootdir = config.find("fileset.rootdir/file")
    if rootdir is None or _resolve(rootdir.text or "", root) != str(root / "toolbox"):
        raise BuildError(f"{prj}: fileset.rootdir must be ${{PROJECT_ROOT}}/toolbox")
    guid = _text(config, "param.guid")
    try:
        uuid.UUID(guid)
    except ValueError:
        raise BuildError(f"{prj}: param.guid {guid!r} is not a GUID") from None

    excludes = [line.strip() for line in _text(config, "param.exclude.filters").splitlines()
                if line.strip() and not line.strip().startswith("%")]
    toolbox = str(root / "toolbox") + "/"
    guide = _resolve(_text(config, "param.getting.started.guide"), root)
    if guide and not guide.startswith(toolbox):
        raise BuildError(f"{prj}: the getting-started guide must be inside toolbox/")
    examples = []
    examples_xml = _text(config, "param.examples")
    if examples_xml:
        for file in ET.fromstring(examples_xml).iter("file"):
            if file.get("type") == "main" and file.text:
                examples.append(file.text.strip().lstrip("/"))
    platforms = {name: _text(config, f"param.compatiblity.{name}") == "true"
                 for name in ("windows", "macos", "linux", "matlabonline")}
    output = _resolve(_text(config, "param.output"), root) or str(root / "build" / "x.mltbx")
    return Project(
        name=_text(config, "param.appname"),
        version=_text(config, "param.version"),
        guid=guid,
        summary=_text(config, "param.summary"),
        description=_text(config, "param.description"),
        author=_text(config, "param.authnamewatermark"),
        email=_text(config, "param.email"),
        company=_text(config, "param.company"),
        release_start=_text(config, "param.release.start"),
        release_end=_text(config, "param.release.end") or "latest",
        platforms=platforms,
        excludes=excludes,
        getting_started=guide[len(toolbox):] if guide else "",
        examples=examples,
        output=pathlib.Path(output),
    )


def engine_version(root: pathlib.Path = ROOT) -> str:
    """``__version__`` of ``python/scistack_engine/__init__.py``: the SciStack version."""
    init = root / "python" / "scistack_engine" / "__init__.py"
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets):
            return ast.literal_eval(node.value)
    raise BuildError(f"{init} does not define __version__")


def read_pyproject(root: pathlib.Path = ROOT) -> dict:
    import tomllib

    return tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))


def pyproject_version(pyproject: dict) -> str:
    """The version pyproject.toml gives, as the attribute it names or its literal."""
    project = pyproject.get("project", {})
    if "version" in project:
        return str(project["version"])
    attr = (pyproject.get("tool", {}).get("setuptools", {}).get("dynamic", {})
            .get("version", {}).get("attr"))
    if "version" in project.get("dynamic", []) and attr == "scistack_engine.__version__":
        return "scistack_engine.__version__"
    raise BuildError("pyproject.toml must take its version from scistack_engine.__version__")


def check_versions(root: pathlib.Path, project: Project) -> str:
    """The one SciStack version; BuildError when scistack.prj or pyproject disagree."""
    version = engine_version(root)
    problems = []
    if project.version != version:
        problems.append(f"scistack.prj param.version is {project.version}")
    declared = pyproject_version(read_pyproject(root))
    if declared not in (version, "scistack_engine.__version__"):
        problems.append(f"pyproject.toml version is {declared}")
    if problems:
        raise BuildError(f"scistack_engine.__version__ is {version} but "
                         + "; ".join(problems))
    return version


def requirements_text(root: pathlib.Path = ROOT) -> str:
    dependencies = read_pyproject(root)["project"]["dependencies"]
    lines = ["# Dependencies of the SciStack engine (from pyproject.toml).",
             "# scistack.setup installs them from PyPI into the engine's environment."]
    return "\n".join(lines + list(dependencies)) + "\n"


# ---------------------------------------------------------------------------- content


def excluded(relative: str, patterns: Iterable[str]) -> bool:
    """True when the toolbox-relative path (or a folder above it) matches a pattern.

    ``pattern`` matches from the toolbox folder; ``**/pattern`` matches at any depth.
    """
    parts = relative.split("/")
    for pattern in patterns:
        anywhere = pattern.startswith("**/")
        body = pattern[3:] if anywhere else pattern
        for end in range(1, len(parts) + 1):
            starts = range(end) if anywhere else (0,)
            if any(fnmatch.fnmatchcase("/".join(parts[start:end]), body) for start in starts):
                return True
    return False


Source = Union[pathlib.Path, bytes]


def collect(root: pathlib.Path, project: Project) -> dict[str, Source]:
    """fsroot-relative path -> file (or bytes) for everything the package holds."""
    content: dict[str, Source] = {}
    toolbox = root / "toolbox"
    patterns = list(project.excludes) + list(ALWAYS_EXCLUDED)
    for path in sorted(toolbox.rglob("*")):
        relative = path.relative_to(toolbox).as_posix()
        if path.is_file() and not excluded(relative, patterns):
            content[relative] = path
    if any(name == "python" or name.startswith("python/") for name in content):
        raise BuildError("toolbox/python exists: that name is reserved for the engine source")
    for package in ENGINE_PACKAGES:
        folder = root / "python" / package
        if not (folder / "__init__.py").is_file():
            raise BuildError(f"the engine source {folder} is missing")
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(root).as_posix()
            if path.is_file() and not excluded(relative, ALWAYS_EXCLUDED):
                content[relative] = path
    content["python/requirements.txt"] = requirements_text(root).encode("utf-8")
    return dict(sorted(content.items()))


def matlab_paths(files: Iterable[str]) -> list[str]:
    """The folders to put on the MATLAB path: the root and the plain code folders.

    A folder under a ``+package``, ``@class`` or ``private`` folder never is (MATLAB
    finds those through their parent), nor ``python/``, ``doc/`` or ``resources/``.
    """
    folders = {"/"}
    for file in files:
        parts = file.split("/")
        if len(parts) < 2 or not file.endswith(CODE_SUFFIXES):
            continue
        folder = parts[:-1]
        if folder[0] in NOT_ON_PATH:
            continue
        if any(p.startswith(("+", "@")) or p == "private" for p in folder):
            continue
        folders.add("/" + "/".join(folder))
    return sorted(folders)


# ------------------------------------------------------------------------ metadata parts


def _xml(element: ET.Element) -> bytes:
    ET.indent(element, space="  ")
    return ET.tostring(element, encoding="UTF-8", xml_declaration=True) + b"\n"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes):
    element = ET.SubElement(parent, tag, {k: v for k, v in attributes.items()})
    if text is not None:
        element.text = text
    return element


def content_types_part(names: Iterable[str]) -> bytes:
    ET.register_namespace("", OPC_CONTENT_TYPES)
    types = ET.Element(f"{{{OPC_CONTENT_TYPES}}}Types")
    defaults = {"rels": "application/vnd.openxmlformats-package.relationships+xml",
                "xml": "application/xml"}
    bare = []
    for name in names:
        base = name.rsplit("/", 1)[-1]
        if "." in base.lstrip("."):
            defaults.setdefault(base.rsplit(".", 1)[-1].lower(), "application/octet-stream")
        else:
            bare.append(name)
    for extension, content_type in sorted(defaults.items()):
        _sub(types, f"{{{OPC_CONTENT_TYPES}}}Default", Extension=extension,
             ContentType=content_type)
    for part, (content_type, _) in METADATA_PARTS.items():
        if content_type == defaults["xml"]:
            continue
        _sub(types, f"{{{OPC_CONTENT_TYPES}}}Override", PartName="/" + part,
             ContentType=content_type)
    for name in bare:
        _sub(types, f"{{{OPC_CONTENT_TYPES}}}Override", PartName="/" + name,
             ContentType="application/octet-stream")
    return _xml(types)


def relationships_part() -> bytes:
    ET.register_namespace("", OPC_RELATIONSHIPS)
    relationships = ET.Element(f"{{{OPC_RELATIONSHIPS}}}Relationships")
    for number, (part, (_, kind)) in enumerate(METADATA_PARTS.items(), start=1):
        _sub(relationships, f"{{{OPC_RELATIONSHIPS}}}Relationship", Id=f"rId{number}",
             Type=kind, Target=part)
    return _xml(relationships)


def core_properties_part(project: Project, created: str) -> bytes:
    for prefix, uri in (("cp", OPC_CORE), ("dc", DC), ("dcterms", DCTERMS), ("xsi", XSI)):
        ET.register_namespace(prefix, uri)
    core = ET.Element(f"{{{OPC_CORE}}}coreProperties")
    _sub(core, f"{{{DC}}}title", project.name)
    _sub(core, f"{{{DC}}}creator", project.author)
    _sub(core, f"{{{DC}}}description", project.summary)
    _sub(core, f"{{{DC}}}identifier", project.guid)
    _sub(core, f"{{{OPC_CORE}}}version", project.version)
    _sub(core, f"{{{OPC_CORE}}}lastModifiedBy", "packaging/build_mltbx.py")
    for tag in ("created", "modified"):
        element = _sub(core, f"{{{DCTERMS}}}{tag}", created)
        element.set(f"{{{XSI}}}type", "dcterms:W3CDTF")
    return _xml(core)


def mw_core_properties_part(project: Project) -> bytes:
    ET.register_namespace("", MW_CORE)
    core = ET.Element(f"{{{MW_CORE}}}mwcoreProperties")
    _sub(core, f"{{{MW_CORE}}}contentType", "application/vnd.mathworks.matlab.toolbox")
    _sub(core, f"{{{MW_CORE}}}contentTypeFriendlyName", "MATLAB Toolbox")
    _sub(core, f"{{{MW_CORE}}}matlabRelease", project.release_start)
    return _xml(core)


def package_uuid(project: Project) -> str:
    """A uuid for this version of the package, derived from the GUID (reproducible)."""
    return str(uuid.uuid5(uuid.UUID(project.guid), project.version))


def mw_core_extension_part(project: Project) -> bytes:
    ET.register_namespace("", MW_CORE_EXTENSION)
    extension = ET.Element(f"{{{MW_CORE_EXTENSION}}}mwcoreProperties")
    _sub(extension, f"{{{MW_CORE_EXTENSION}}}uuid", package_uuid(project))
    return _xml(extension)


def addon_properties_part(project: Project) -> bytes:
    addon = ET.Element("addonProperties")
    _sub(addon, "GUID", project.guid)
    _sub(addon, "name", project.name)
    _sub(addon, "version", project.version)
    _sub(addon, "summary", project.summary)
    _sub(addon, "description", project.description)
    author = _sub(addon, "author")
    _sub(author, "name", project.author)
    _sub(author, "contact", project.email)
    _sub(author, "organization", project.company)
    return _xml(addon)


def configuration_part(project: Project, paths: list[str], files: list[str]) -> bytes:
    configuration = ET.Element("configuration")
    on_path = _sub(configuration, "matlabPaths")
    for path in paths:
        _sub(on_path, "path", path)
    _sub(configuration, "javaClassPaths")
    if project.getting_started in files:
        _sub(configuration, "gettingStartedGuide", "/" + project.getting_started)
    examples = _sub(configuration, "examples")
    for example in project.examples:
        if example in files:
            _sub(examples, "example", "/" + example)
    return _xml(configuration)


def system_requirements_part(project: Project) -> bytes:
    requirements = ET.Element("systemRequirements")
    _sub(requirements, "matlabRelease", start=project.release_start, end=project.release_end)
    platforms = _sub(requirements, "platforms")
    names = {"windows": "win64", "macos": "maci64", "linux": "glnxa64",
             "matlabonline": "matlabonline"}
    for key, name in names.items():
        _sub(platforms, "platform", name=name,
             supported="true" if project.platforms.get(key) else "false")
    _sub(requirements, "requiredProducts")
    software = _sub(requirements, "additionalSoftware")
    _sub(software, "software", name="Python", version=">=3.10",
         note="found or installed by scistack.setup")
    return _xml(requirements)


def filesystem_manifest_part(content: dict[str, bytes]) -> bytes:
    manifest = ET.Element("filesystemManifest")
    for name, data in content.items():
        _sub(manifest, "file", path="/" + name, size=str(len(data)),
             sha256=hashlib.sha256(data).hexdigest())
    return _xml(manifest)


# ------------------------------------------------------------------------------ build


def _read(source: Source) -> bytes:
    return source if isinstance(source, bytes) else source.read_bytes()


def _created() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    when = (datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc) if epoch
            else datetime.datetime(*ZIP_TIME, tzinfo=datetime.timezone.utc))
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def stage(target: pathlib.Path, root: pathlib.Path = ROOT) -> Package:
    """Write the package's fsroot tree (toolbox files and python/) to ``target``."""
    project = read_project(root)
    check_versions(root, project)
    content = collect(root, project)
    if target.exists():
        shutil.rmtree(target)
    for name, source in content.items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_read(source))
        if isinstance(source, pathlib.Path):
            shutil.copymode(source, path)
    files = list(content)
    return Package(target, project, files, matlab_paths(files))


def build(output: pathlib.Path | None = None, root: pathlib.Path = ROOT) -> Package:
    """Build the .mltbx file; return what it holds."""
    project = read_project(root)
    check_versions(root, project)
    content = {name: _read(source) for name, source in collect(root, project).items()}
    files = list(content)
    paths = matlab_paths(files)
    output = pathlib.Path(output or project.output)
    parts: list[tuple[str, bytes]] = [
        ("[Content_Types].xml", content_types_part(["fsroot/" + f for f in files])),
        ("_rels/.rels", relationships_part()),
        ("metadata/coreProperties.xml", core_properties_part(project, _created())),
        ("metadata/mwcoreProperties.xml", mw_core_properties_part(project)),
        ("metadata/mwcorePropertiesExtension.xml", mw_core_extension_part(project)),
        ("metadata/addonProperties.xml", addon_properties_part(project)),
        ("metadata/configuration.xml", configuration_part(project, paths, files)),
        ("metadata/systemRequirements.xml", system_requirements_part(project)),
        ("metadata/filesystemManifest.xml", filesystem_manifest_part(content)),
    ]
    parts += [("fsroot/" + name, data) for name, data in content.items()]
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    os.replace(partial, output)
    return Package(output, project, files, paths)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=pathlib.Path, default=None,
                        help="the .mltbx file to write (default: param.output of scistack.prj)")
    parser.add_argument("--stage", type=pathlib.Path, default=None,
                        help="write only the fsroot tree to this folder (for MATLAB releases)")
    parser.add_argument("--root", type=pathlib.Path, default=ROOT,
                        help="the repository (default: the one holding this script)")
    args = parser.parse_args(argv)
    try:
        if args.stage is not None:
            package = stage(args.stage.resolve(), args.root.resolve())
        else:
            package = build(args.output, args.root.resolve())
    except BuildError as exc:
        print(f"build_mltbx: {exc}", file=sys.stderr)
        return 1
    project = package.project
    print(f"{package.path} ({project.name} {project.version}, {len(package.files)} files, "
          f"GUID {project.guid})")
    missing = [p for p in [project.getting_started, *project.examples]
               if p and p not in package.files]
    for path in missing:
        print(f"build_mltbx: warning: scistack.prj names toolbox/{path}, which does not "
              "exist; it is left out of the package metadata", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
