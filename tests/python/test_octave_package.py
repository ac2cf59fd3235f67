"""SciStack's GNU Octave package: built by packaging/octave_package.py, installed by pkg.

The tarball is installed with Octave's own ``pkg install`` into a temporary prefix, with
temporary package lists (``pkg prefix``, ``pkg local_list``, ``pkg global_list``) and a
temporary home folder, so nothing outside the test's folder changes; then ``pkg load
scistack`` builds the bridge (the package's PKG_ADD) and the shipped example runs
against the installed package. The engine's Python is this interpreter.
"""

from __future__ import annotations

import importlib.util
import pathlib
import sys
import tarfile

import pytest

from octave_support import ROOT, run_octave


def _load_builder():
    spec = importlib.util.spec_from_file_location(
        "octave_package", ROOT / "packaging" / "octave_package.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


builder = _load_builder()
VERSION = builder.stager.engine_version(ROOT)
GLOBAL_LIST = pathlib.Path("/usr/share/octave/octave_packages")


@pytest.fixture(scope="module")
def tarball(tmp_path_factory) -> pathlib.Path:
    return builder.build(tmp_path_factory.mktemp("dist"))


def members(tarball: pathlib.Path) -> dict[str, bytes]:
    with tarfile.open(tarball) as archive:
        return {m.name: archive.extractfile(m).read() for m in archive.getmembers()
                if m.isfile()}


def test_the_tarball_holds_what_pkg_install_reads(tarball):
    files = members(tarball)
    top = f"scistack-{VERSION}"
    assert tarball.name == f"{top}.tar.gz"
    for name in ("DESCRIPTION", "COPYING", "INDEX", "PKG_ADD", "post_install.m"):
        assert f"{top}/{name}" in files, name
    description = files[f"{top}/DESCRIPTION"].decode()
    fields = dict(line.split(": ", 1) for line in description.splitlines())
    assert fields["Name"] == "scistack" and fields["Version"] == VERSION
    assert {"Date", "Author", "Maintainer", "Title", "Description"} <= set(fields)
    assert fields["License"] == "MIT"
    index = files[f"{top}/INDEX"].decode().splitlines()
    assert index[0] == "scistack >> SciStack"
    assert " scidb.BaseVariable" in index and " scistack.setup" in index
    assert not any("internal" in line for line in index)
    # inst/ is the staged toolbox: its packages, examples and the engine's source
    for name in ("+scistack/setup.m", "+scidb/BaseVariable.m", "examples/gait_study.m",
                 "python/scistack_engine/__init__.py"):
        assert f"{top}/inst/{name}" in files, name
    assert not any(name.endswith(".mex") for name in files)


@pytest.mark.octave
def test_pkg_install_and_load_then_the_example_runs(tarball, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    prefix = tmp_path / "octave-packages"
    lists = (f"pkg('prefix', '{prefix}', '{prefix}'); "
             f"pkg('local_list', '{home / 'local_list'}'); "
             f"pkg('global_list', '{home / 'global_list'}'); ")
    env = {"HOME": str(home), "TMPDIR": str(tmp_path)}
    global_list = GLOBAL_LIST.stat() if GLOBAL_LIST.exists() else None

    result = run_octave(lists + f"pkg('install', '-local', '{tarball}'); "
                        "where = pkg('list', 'scistack'); printf('dir=%s\\n', where{1}.dir);",
                        cwd=tmp_path, env=env)
    installed = prefix / f"scistack-{VERSION}"
    assert "error" not in result.stderr.lower(), result.stdout + result.stderr
    assert f"dir={installed}\n" in result.stdout, result.stdout
    assert (installed / "+scistack" / "setup.m").is_file()
    # pkg made the documentation cache of the examples (their classes need post_install)
    assert (installed / "examples" / "doc-cache").is_file()
    assert "build_bridge" in (installed / "PKG_ADD").read_text()
    # pkg install puts the new package on the path, which runs its PKG_ADD: the bridge
    # is built; removed here, the next pkg load builds it again
    bridge = installed / "+scistack" / "+internal" / "bridge.mex"
    assert bridge.is_file()
    bridge.unlink()

    database = tmp_path / "gait_study.duckdb"
    run = (lists + "pkg('load', 'scistack'); "
           "where = pkg('list', 'scistack'); "
           "addpath(fullfile(where{1}.dir, 'examples')); "
           "printf('toolbox=%s\\n', which('scistack.setup')); "
           f"results = gait_study('{database}'); "
           "printf('rows=%d\\n', numel(results.data));")
    first = run_octave(run, cwd=tmp_path, env=env)
    assert bridge.is_file(), "pkg load builds the bridge (PKG_ADD)"
    assert f"toolbox={installed}/+scistack/setup.m" in first.stdout
    assert "extract_step_length: 30 done\n" in first.stdout, first.stdout + first.stderr
    assert "rows=6" in first.stdout
    second = run_octave(run, cwd=tmp_path, env=env)
    assert "extract_step_length: 30 cached\n" in second.stdout, second.stdout

    assert {p.name for p in home.iterdir()} <= {"local_list", "global_list"}
    if global_list is not None:
        assert GLOBAL_LIST.stat().st_mtime == global_list.st_mtime, "the global list changed"
