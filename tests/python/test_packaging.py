"""The packages SciStack ships: the MATLAB toolbox folder and the Python wheel.

The toolbox folder is staged with ``packaging/stage_toolbox.py`` (what CI runs; only
MATLAB's ``packaging/release_toolbox.m`` turns it into a .mltbx) into a temporary
folder and checked: it holds the toolbox and the engine source and nothing built,
version and GUID agree with ``pyproject.toml``, ``scistack.prj`` and the engine, the
folders for the MATLAB path are the right ones, and the bundled engine imports from the
staged folder. The wheel is built with ``pip wheel`` (no network:
``--no-build-isolation``) and installed into a fresh virtual environment, which imports
each package. The MATLAB release script is parse-checked with MISS_HIT.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pathlib
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import venv
import xml.etree.ElementTree as ET
import zipfile

import pytest
import tomllib

import scistack_engine

ROOT = pathlib.Path(__file__).resolve().parents[2]
VERSION = scistack_engine.__version__
PACKAGES = ("scistack_engine", "scifor", "scidb", "scilineage", "scihist")

#: The add-on GUID of SciStack. It identifies the toolbox to MATLAB across versions and
#: must never change: a new GUID makes MATLAB treat an update as a different add-on.
GUID = "1a9459ce-0ea9-4f58-bb0d-48af1a2ae701"


def _load_stager():
    spec = importlib.util.spec_from_file_location(
        "stage_toolbox", ROOT / "packaging" / "stage_toolbox.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


stager = _load_stager()


def copy_repository(target: pathlib.Path) -> pathlib.Path:
    """The files the stager reads, copied to ``target`` (without caches)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "*.mex", "*.o")
    shutil.copytree(ROOT / "toolbox", target / "toolbox", ignore=ignore)
    shutil.copytree(ROOT / "python", target / "python", ignore=ignore)
    for name in ("pyproject.toml", "scistack.prj", "README.md"):
        shutil.copy2(ROOT / name, target / name)
    return target


def files_under(folder: pathlib.Path) -> set:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    return stager.stage(tmp_path_factory.mktemp("stage") / "SciStack")


# ------------------------------------------------------------------------- structure


def test_there_is_no_mltbx_writer_outside_matlab():
    # CI makes no .mltbx of its own: MATLAB's packageToolbox writes the only one
    assert not hasattr(stager, "build")
    assert not (ROOT / "packaging" / "build_mltbx.py").exists()
    release = (ROOT / "packaging" / "release_toolbox.m").read_text()
    assert "stage_toolbox.py" in release and "packageToolbox" in release


def test_version_and_guid_agree_everywhere(staged):
    project = stager.read_project(ROOT)
    assert project.guid == GUID
    assert project.version == VERSION
    assert (project.release_start, project.release_end) == ("R2022b", "latest")
    assert project.platforms == {"linux": True, "macos": True, "windows": True,
                                 "matlabonline": False}
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "scistack_engine.__version__"}
    # The toolbox reads its version from the engine source it carries.
    init = staged.path / "python" / "scistack_engine" / "__init__.py"
    assert f'__version__ = "{VERSION}"' in init.read_text()


def test_matlab_paths_are_the_root_and_plain_code_folders(staged):
    assert staged.matlab_paths[0] == "/"
    for path in staged.matlab_paths:
        segments = path.strip("/").split("/")
        assert not any(s.startswith(("+", "@")) or s == "private" for s in segments), path
        assert segments[0] not in ("python", "doc"), path
    files = ["f.m", "+pkg/g.m", "+pkg/sub/h.m", "@Klass/Klass.m", "private/p.m",
             "examples/demo.m", "examples/data/readme.txt", "examples/private/q.m",
             "doc/GettingStarted.m", "python/scistack_engine/x.py", "tools/t.mlx"]
    assert stager.matlab_paths(files) == ["/", "/examples", "/tools"]


# ------------------------------------------------------------------------- contents


def test_the_stage_holds_the_toolbox_and_the_engine_source(staged):
    files = files_under(staged.path)
    assert files == set(staged.files)
    project = stager.read_project(ROOT)
    patterns = project.excludes + list(stager.ALWAYS_EXCLUDED)
    toolbox = files_under(ROOT / "toolbox")
    expected = {f for f in toolbox if not stager.excluded(f, patterns)}
    assert expected <= files
    assert "+scistack/setup.m" in files and "+scistack/+internal/bridge.c" in files
    for package in PACKAGES:
        assert f"python/{package}/__init__.py" in files
    assert "python/scistack_engine/setup_support.py" in files
    requirements = (staged.path / "python" / "requirements.txt").read_text().splitlines()
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "dependencies"]
    assert [r for r in requirements if not r.startswith("#")] == dependencies
    assert files - expected == {f for f in files if f.startswith("python/")}


def test_no_build_products_are_staged(tmp_path):
    repository = copy_repository(tmp_path / "repo")
    internal = repository / "toolbox" / "+scistack" / "+internal"
    for name in ("bridge.mex", "bridge.mexa64", "bridge.o"):
        (internal / name).write_bytes(b"\x7fELF")
    (internal / "__pycache__").mkdir()
    (internal / "__pycache__" / "bridge_probe.cpython-311.pyc").write_bytes(b"x")
    engine_cache = repository / "python" / "scistack_engine" / "__pycache__"
    engine_cache.mkdir(exist_ok=True)
    (engine_cache / "codec.cpython-311.pyc").write_bytes(b"x")
    (repository / "python" / "scistack.egg-info").mkdir()
    (repository / "python" / "scistack.egg-info" / "PKG-INFO").write_text("x")
    names = files_under(stager.stage(tmp_path / "out", root=repository).path)
    bad = [n for n in names if n.endswith((".mex", ".mexa64", ".o", ".pyc"))
           or "__pycache__" in n or ".egg-info" in n]
    assert bad == []
    assert "+scistack/+internal/bridge.c" in names


def test_the_bundled_engine_imports_from_the_staged_folder(staged):
    python = staged.path / "python"
    code = ("import json, importlib; "
            f"mods = [importlib.import_module(n) for n in {list(PACKAGES)!r}]; "
            "import scistack_engine.gateway as g, scistack_engine.codec as c; "
            "reply = c.decode(g.handle(c.encode({'op': 'ping', 'args': {}}))); "
            "print(json.dumps({'files': [m.__file__ for m in mods], 'ping': reply}))")
    env = dict(os.environ, PYTHONPATH=str(python))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=staged.path, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    for file in report["files"]:
        assert pathlib.Path(file).is_relative_to(python), file
    assert report["ping"] == {"ok": VERSION}


def test_the_bundled_setup_helper_reads_the_bundled_requirements(staged):
    python = staged.path / "python"
    helper = python / "scistack_engine" / "setup_support.py"
    result = subprocess.run(
        [sys.executable, str(helper), "check", "--version", VERSION, "--source", str(python)],
        capture_output=True, text=True, cwd=staged.path, timeout=120,
        env=dict(os.environ, PYTHONPATH=str(python)))
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["ready"] is True, report
    assert pathlib.Path(report["engine"]["path"]).is_relative_to(python)


# ----------------------------------------------------------------- the stager itself


def test_staging_is_reproducible(tmp_path):
    first = stager.stage(tmp_path / "a")
    second = stager.stage(tmp_path / "b")
    assert first.files == second.files
    for name in first.files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_stager_refuses_disagreeing_versions(tmp_path):
    repository = copy_repository(tmp_path / "repo")
    prj = repository / "scistack.prj"
    prj.write_text(prj.read_text().replace(f"<param.version>{VERSION}<",
                                           "<param.version>9.9.9<"))
    with pytest.raises(stager.BuildError, match="param.version is 9.9.9"):
        stager.stage(tmp_path / "x", root=repository)
    shutil.copy2(ROOT / "scistack.prj", prj)
    pyproject = repository / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(
        'dynamic = ["version"]', 'version = "9.9.9"'))
    with pytest.raises(stager.BuildError, match="pyproject.toml version is 9.9.9"):
        stager.stage(tmp_path / "x", root=repository)


def test_stager_refuses_a_bad_guid(tmp_path):
    repository = copy_repository(tmp_path / "repo")
    prj = repository / "scistack.prj"
    prj.write_text(prj.read_text().replace(GUID, "not-a-guid"))
    with pytest.raises(stager.BuildError, match="not a GUID"):
        stager.read_project(repository)


@pytest.mark.parametrize("path, excluded", [
    ("+scistack/+internal/bridge.mex", True), ("bridge.mex", True), ("a/b/c.o", True),
    ("+scistack/+internal/__pycache__/x.pyc", True), ("+scistack/+internal/bridge.c", False),
    ("+scistack/setup.m", False), ("examples/old.asv", True)])
def test_exclude_filters_of_the_prj(path, excluded):
    patterns = stager.read_project(ROOT).excludes
    assert stager.excluded(path, patterns) is excluded


def test_command_line_stages_the_folder(tmp_path):
    output = tmp_path / "cli"
    result = subprocess.run([sys.executable, str(ROOT / "packaging" / "stage_toolbox.py"),
                             "--stage", str(output)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert GUID in result.stdout and VERSION in result.stdout
    assert (output / "+scistack" / "setup.m").is_file()


# ------------------------------------------------------------------- scistack.prj


def test_prj_is_a_toolbox_packaging_project():
    root = ET.parse(ROOT / "scistack.prj").getroot()
    assert root.tag == "deployment-project" and root.get("plugin") == "plugin.toolbox"
    config = root.find("configuration")
    assert config.get("target") == "target.toolbox"
    text = {e.tag: (e.text or "").strip() for e in config}
    assert text["param.appname"] == "SciStack"
    assert text["param.summary"] and text["param.description"]
    assert text["param.release.start"] == "R2022b" and text["param.release.end"] == "latest"
    assert config.find("fileset.rootdir/file").text == "${PROJECT_ROOT}/toolbox"
    assert text["param.getting.started.guide"].startswith("${PROJECT_ROOT}/toolbox/")
    assert ET.fromstring(text["param.examples"]).find("exampleCategory/example") is not None
    for pattern in ("*.mex", "**/*.mex", "*.o", "**/*.o"):
        assert pattern in text["param.exclude.filters"].splitlines()
    assert text["param.output"] == "${PROJECT_ROOT}/build/SciStack.mltbx"


def test_prj_guide_and_examples_exist():
    project = stager.read_project(ROOT)
    named = [project.getting_started, *project.examples]
    assert project.getting_started and project.examples
    missing = [p for p in named if not (ROOT / "toolbox" / p).is_file()]
    assert not missing, "scistack.prj names toolbox files that do not exist: " + ", ".join(missing)


def test_release_script_parses_as_matlab():
    script = str(ROOT / "packaging" / "release_toolbox.m")
    for module, args in (("miss_hit.mh_lint", ["--matlab", "2021a"]),
                         ("miss_hit_core.mh_style", [])):
        result = subprocess.run([sys.executable, "-m", module, *args, script], cwd=ROOT,
                                capture_output=True, text=True, timeout=120)
        output = result.stdout + result.stderr
        assert result.returncode == 0 and "everything seems fine" in output, output


# ------------------------------------------------------------------------ the wheel


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> pathlib.Path:
    """``pip wheel`` of a copy of the project (the work tree stays untouched)."""
    work = tmp_path_factory.mktemp("wheel")
    source = copy_repository(work / "src")
    shutil.rmtree(source / "toolbox")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps",
         "--no-build-isolation", "--no-index", "-w", str(work / "dist"), "-q"],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    (built,) = (work / "dist").glob("scistack-*.whl")
    return built


def test_wheel_holds_the_five_packages_at_the_one_version(wheel):
    assert wheel.name == f"scistack-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as opened:
        names = opened.namelist()
        metadata = opened.read(f"scistack-{VERSION}.dist-info/METADATA").decode()
    assert {n.split("/")[0] for n in names} == {*PACKAGES, f"scistack-{VERSION}.dist-info"}
    assert "scistack_engine/setup_support.py" in names
    for package in PACKAGES:  # PEP 561: type checkers read the packages' hints
        assert f"{package}/py.typed" in names
    assert f"Version: {VERSION}" in metadata.splitlines()
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "dependencies"]
    for dependency in dependencies:
        assert f"Requires-Dist: {dependency}" in metadata


def test_wheel_installs_into_a_fresh_environment_and_imports(wheel, tmp_path):
    environment = tmp_path / "env"
    venv.EnvBuilder(system_site_packages=True, with_pip=False,
                    symlinks=(os.name != "nt")).create(environment)
    python = environment / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", str(wheel), "-q"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    # The dependencies (numpy, pandas, duckdb, pyarrow, tqdm) come from this test
    # interpreter's environment, after the new environment's own site-packages, so the
    # check needs no network. (This machine's system Python has none of them, so the
    # system site-packages alone would not do.)
    purelib = subprocess.run([str(python), "-c",
                              "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    pathlib.Path(purelib, "zz-test-dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n")
    code = ("import json, importlib, importlib.metadata as md; "
            f"mods = {{n: importlib.import_module(n).__file__ for n in {list(PACKAGES)!r}}}; "
            "deps = [importlib.import_module(n).__name__ for n in "
            "('numpy', 'pandas', 'duckdb', 'pyarrow', 'tqdm')]; "
            "import scidb, scifor, scilineage, scihist; "
            "print(json.dumps({'files': mods, 'version': md.version('scistack')}))")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run([str(python), "-c", code], capture_output=True, text=True,
                            cwd=tmp_path, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["version"] == VERSION
    for name, file in report["files"].items():
        assert pathlib.Path(file).is_relative_to(purelib), (name, file)


def test_sdist_holds_the_sources(tmp_path):
    source = copy_repository(tmp_path / "src")
    code = ("import sys; from setuptools import build_meta; "
            "print(build_meta.build_sdist(sys.argv[1]))")
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path / "dist")],
                            cwd=source, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    name = result.stdout.strip().splitlines()[-1]
    assert name == f"scistack-{VERSION}.tar.gz"
    with tarfile.open(tmp_path / "dist" / name) as opened:
        members = {m.name.split("/", 1)[1] for m in opened.getmembers() if "/" in m.name}
    for package in PACKAGES:
        assert f"python/{package}/__init__.py" in members
    assert "pyproject.toml" in members
