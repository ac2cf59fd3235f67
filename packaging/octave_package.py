#!/usr/bin/env python3
"""Build SciStack's GNU Octave package: a release tarball that ``pkg install`` accepts.

An Octave package is a ``.tar.gz`` holding one folder with ``DESCRIPTION`` (name,
version, author, ...), ``COPYING`` (the licence), ``INDEX`` (the functions by category,
as ``pkg describe`` lists them) and ``inst/`` (what ``pkg install`` copies to the
package's install folder, which ``pkg load`` puts on the path). SciStack's ``inst/`` is
the staged toolbox folder of ``packaging/stage_toolbox.py`` (the toolbox's files and
the engine's Python source, from which ``scistack.setup`` installs the engine), so the
Octave package and the MATLAB toolbox ship the same files.

Two files of ``packaging/octave/`` go beside ``inst/``:

* ``PKG_ADD``, which ``pkg install`` appends to the installed ``PKG_ADD``: at
  ``pkg load`` it builds the MEX bridge to Python when it is missing and a Python is
  configured;
* ``post_install.m``: puts the install folder on the path before ``pkg install`` makes
  its documentation cache, which reads the example classes
  (``examples/RawKinematicData.m < scidb.BaseVariable``) one folder at a time and
  cannot find their superclass otherwise.

Usage::

    python packaging/octave_package.py                # -> build/scistack-<version>.tar.gz
    python packaging/octave_package.py --out DIR
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import pathlib
import re
import shutil
import sys
import tarfile
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"

#: The package name Octave knows (pkg load scistack).
NAME = "scistack"


def _load_stager():
    spec = importlib.util.spec_from_file_location("stage_toolbox",
                                                  PACKAGING / "stage_toolbox.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


stager = _load_stager()


def description_text(project, version: str, license_id: str, date: datetime.date) -> str:
    """The DESCRIPTION file: Octave's required fields, from scistack.prj."""
    summary = " ".join(project.description.split())
    fields = [
        ("Name", NAME),
        ("Version", version),
        ("Date", date.isoformat()),
        ("Author", project.author),
        ("Maintainer", project.author),
        ("Title", project.name),
        ("Description", summary),
        ("Categories", "Data management"),
        ("Depends", "octave (>= 7.0.0)"),
        ("License", license_id),
    ]
    return "".join(f"{key}: {value}\n" for key, value in fields)


def copying_text(license_id: str) -> str:
    """The COPYING file: which licence applies, as pyproject.toml declares it."""
    return (f"SciStack is distributed under the {license_id} licence (SPDX identifier "
            f"{license_id}), as its pyproject.toml declares.\n"
            f"The licence text: https://spdx.org/licenses/{license_id}.html\n")


def index_text(inst: pathlib.Path, title: str) -> str:
    """The INDEX file: the public functions and classes of each package, by package.

    Internal packages (``+internal``) are left out: they are no user's API.
    """
    lines = [f"{NAME} >> {title}"]
    for package in sorted(inst.glob("+*")):
        names = []
        for path in sorted(package.rglob("*.m")):
            parts = path.relative_to(inst).with_suffix("").parts
            if any(part in ("+internal", "private") or part.startswith("@")
                   for part in parts) or path.stem == "Contents":
                continue
            names.append(".".join(part.lstrip("+") for part in parts))
        if names:
            lines.append(package.name.lstrip("+"))
            lines.extend(f" {name}" for name in names)
    return "\n".join(lines) + "\n"


def build(out: pathlib.Path, root: pathlib.Path = ROOT,
          date: datetime.date | None = None) -> pathlib.Path:
    """Write ``out/scistack-<version>.tar.gz`` and return its path."""
    date = date or datetime.date.today()
    project = stager.read_project(root)
    version = stager.check_versions(root, project)
    license_id = stager.read_pyproject(root)["project"]["license"]
    if not re.fullmatch(r"\d+(\.\d+)*", version):
        raise stager.BuildError(f"Octave needs a numeric version, not {version!r}")
    out.mkdir(parents=True, exist_ok=True)
    tarball = out / f"{NAME}-{version}.tar.gz"
    with tempfile.TemporaryDirectory() as work:
        folder = pathlib.Path(work) / f"{NAME}-{version}"
        inst = folder / "inst"
        stager.stage(inst, root)
        (folder / "DESCRIPTION").write_text(description_text(project, version, license_id, date),
                                            encoding="utf-8")
        (folder / "COPYING").write_text(copying_text(license_id), encoding="utf-8")
        (folder / "INDEX").write_text(index_text(inst, project.name), encoding="utf-8")
        for name in ("PKG_ADD", "post_install.m"):
            shutil.copy2(PACKAGING / "octave" / name, folder / name)
        with tarfile.open(tarball, "w:gz") as archive:
            archive.add(folder, arcname=folder.name)
    return tarball


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=pathlib.Path, default=ROOT / "build",
                        help="the folder to write the tarball to (default: build)")
    args = parser.parse_args(argv)
    try:
        tarball = build(args.out.resolve())
    except stager.BuildError as exc:
        print(f"octave_package: {exc}", file=sys.stderr)
        return 1
    print(tarball)
    return 0


if __name__ == "__main__":
    sys.exit(main())
