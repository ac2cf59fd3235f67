#!/usr/bin/env python3
"""Stage SciStack's MATLAB toolbox: the folder MATLAB packages into a .mltbx file.

The ``.mltbx`` itself is made only by MATLAB (``packaging/release_toolbox.m``, which
calls ``matlab.addons.toolbox.packageToolbox`` on the folder staged here): MATLAB-built
packages carry metadata in MathWorks' own vocabulary, signed with MathWorks' key, which
no other tool can reproduce, so CI checks this staged folder instead of a package of
its own making.

What the staged folder holds:

* every file of ``toolbox/`` except the ``param.exclude.filters`` of ``scistack.prj``
  (the Octave bridge's compiled MEX file, object files, Python caches);
* ``python/``: the source of the engine and of the Python packages (scistack_engine,
  scifor, scidb, scilineage, scihist) and ``python/requirements.txt``, the engine's
  dependencies from ``pyproject.toml``. ``scistack.setup`` installs these into a
  virtual environment and links the source into it, so a MATLAB user needs no clone.

Name, GUID, summary, description, release range and platforms come from
``scistack.prj`` (``release_toolbox.m`` reads them there); the version is
``scistack_engine.__version__``, and staging stops when ``scistack.prj`` or
``pyproject.toml`` says otherwise. The folders ``release_toolbox.m`` puts on the MATLAB
path are those of :func:`matlab_paths`.

Usage::

    python packaging/stage_toolbox.py                # -> build/stage
    python packaging/stage_toolbox.py --stage DIR
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import fnmatch
import pathlib
import shutil
import sys
import uuid
import xml.etree.ElementTree as ET
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
    """A staged toolbox folder: where it is and what it holds."""

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


def _read(source: Source) -> bytes:
    return source if isinstance(source, bytes) else source.read_bytes()


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", type=pathlib.Path, default=ROOT / "build" / "stage",
                        help="the folder to write (default: build/stage)")
    parser.add_argument("--root", type=pathlib.Path, default=ROOT,
                        help="the repository (default: the one holding this script)")
    args = parser.parse_args(argv)
    try:
        package = stage(args.stage.resolve(), args.root.resolve())
    except BuildError as exc:
        print(f"stage_toolbox: {exc}", file=sys.stderr)
        return 1
    project = package.project
    print(f"{package.path} ({project.name} {project.version}, {len(package.files)} files, "
          f"GUID {project.guid})")
    missing = [p for p in [project.getting_started, *project.examples]
               if p and p not in package.files]
    for path in missing:
        print(f"stage_toolbox: warning: scistack.prj names toolbox/{path}, which does not "
              "exist; MATLAB will leave it out of the package metadata", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
