"""The packages SciStack ships: the MATLAB toolbox (.mltbx) and the Python wheel.

The .mltbx is built with ``packaging/build_mltbx.py`` (what CI runs; releases are
packaged by MATLAB from the same staged folder) into a temporary folder and checked as
a file: every XML part parses, the OPC parts are complete, the manifest lists every
file of ``fsroot/`` and nothing else, version and GUID agree with ``pyproject.toml``,
``scistack.prj`` and the engine, no build product is inside, and the bundled engine
imports from the extracted package. The wheel is built with ``pip wheel`` (no network:
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

METADATA = ("metadata/coreProperties.xml", "metadata/mwcoreProperties.xml",
            "metadata/mwcorePropertiesExtension.xml", "metadata/addonProperties.xml",
            "metadata/configuration.xml", "metadata/systemRequirements.xml",
            "metadata/filesystemManifest.xml")


def _load_builder():
    spec = importlib.util.spec_from_file_location(
        "build_mltbx", ROOT / "packaging" / "build_mltbx.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


builder = _load_builder()


def copy_repository(target: pathlib.Path) -> pathlib.Path:
    """The files the builder reads, copied to ``target`` (without caches)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "*.mex", "*.o")
    shutil.copytree(ROOT / "toolbox", target / "toolbox", ignore=ignore)
    shutil.copytree(ROOT / "python", target / "python", ignore=ignore)
    for name in ("pyproject.toml", "scistack.prj", "README.md"):
        shutil.copy2(ROOT / name, target / name)
    return target


@pytest.fixture(scope="module")
def mltbx(tmp_path_factory) -> pathlib.Path:
    return builder.build(tmp_path_factory.mktemp("mltbx") / "SciStack.mltbx").path


@pytest.fixture(scope="module")
def archive(mltbx):
    with zipfile.ZipFile(mltbx) as opened:
        yield opened


@pytest.fixture(scope="module")
def extracted(mltbx, tmp_path_factory) -> pathlib.Path:
    target = tmp_path_factory.mktemp("installed")
    with zipfile.ZipFile(mltbx) as opened:
        opened.extractall(target)
    return target


def part(archive, name) -> ET.Element:
    return ET.fromstring(archive.read(name))


def fsroot_files(archive) -> set:
    return {n[len("fsroot/"):] for n in archive.namelist()
            if n.startswith("fsroot/") and not n.endswith("/")}


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# ------------------------------------------------------------------------- structure


def test_every_xml_part_parses(archive):
    names = archive.namelist()
    assert names[0] == "[Content_Types].xml"
    xml_parts = [n for n in names if not n.startswith("fsroot/")]
    assert set(xml_parts) == {"[Content_Types].xml", "_rels/.rels", *METADATA}
    for name in xml_parts:
        ET.fromstring(archive.read(name))  # raises on malformed XML


def test_relationships_and_content_types_cover_every_part(archive):
    targets = {r.get("Target") for r in part(archive, "_rels/.rels")}
    assert targets == set(METADATA)
    types = part(archive, "[Content_Types].xml")
    defaults = {e.get("Extension") for e in types if local(e.tag) == "Default"}
    overrides = {e.get("PartName") for e in types if local(e.tag) == "Override"}
    for name in archive.namelist():
        if name == "[Content_Types].xml":
            continue
        extension = name.rsplit("/", 1)[-1].rsplit(".", 1)
        assert ("/" + name in overrides
                or (len(extension) == 2 and extension[1].lower() in defaults)), name


def test_the_manifest_lists_every_file_and_nothing_else(archive):
    import hashlib

    entries = {e.get("path"): e for e in part(archive, "metadata/filesystemManifest.xml")}
    files = fsroot_files(archive)
    assert set(entries) == {"/" + f for f in files}
    for name in files:
        data = archive.read("fsroot/" + name)
        entry = entries["/" + name]
        assert int(entry.get("size")) == len(data)
        assert entry.get("sha256") == hashlib.sha256(data).hexdigest()


def test_the_package_is_a_toolbox_with_core_properties(archive):
    mw = {local(e.tag): e.text for e in part(archive, "metadata/mwcoreProperties.xml")}
    assert mw["contentType"] == "application/vnd.mathworks.matlab.toolbox"
    assert mw["matlabRelease"] == "R2022b"
    core = {local(e.tag): e.text for e in part(archive, "metadata/coreProperties.xml")}
    assert core["title"] == "SciStack"
    assert core["creator"] and core["description"] and core["created"]
    extension = part(archive, "metadata/mwcorePropertiesExtension.xml")
    (package_uuid,) = [e.text for e in extension if local(e.tag) == "uuid"]
    assert package_uuid != GUID and len(package_uuid) == 36


def test_version_and_guid_agree_everywhere(archive):
    project = builder.read_project(ROOT)
    assert project.guid == GUID
    assert project.version == VERSION
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "scistack_engine.__version__"}
    core = {local(e.tag): e.text for e in part(archive, "metadata/coreProperties.xml")}
    assert core["version"] == VERSION and core["identifier"] == GUID
    addon = {e.tag: e.text for e in part(archive, "metadata/addonProperties.xml")}
    assert addon["GUID"] == GUID and addon["version"] == VERSION
    assert addon["name"] == "SciStack"
    # The toolbox reads its version from the engine source it carries.
    init = (pathlib.Path("fsroot/python/scistack_engine/__init__.py"))
    assert f'__version__ = "{VERSION}"' in archive.read(init.as_posix()).decode()


def test_system_requirements_hold_the_release_range_and_platforms(archive):
    requirements = part(archive, "metadata/systemRequirements.xml")
    release = requirements.find("matlabRelease")
    assert (release.get("start"), release.get("end")) == ("R2022b", "latest")
    platforms = {p.get("name"): p.get("supported") for p in requirements.iter("platform")}
    assert platforms["glnxa64"] == platforms["win64"] == platforms["maci64"] == "true"


def test_matlab_paths_are_the_root_and_plain_code_folders(archive):
    paths = [p.text for p in part(archive, "metadata/configuration.xml").iter("path")]
    assert paths[0] == "/"
    for path in paths:
        segments = path.strip("/").split("/")
        assert not any(s.startswith(("+", "@")) or s == "private" for s in segments), path
        assert segments[0] not in ("python", "doc"), path
    files = ["f.m", "+pkg/g.m", "+pkg/sub/h.m", "@Klass/Klass.m", "private/p.m",
             "examples/demo.m", "examples/data/readme.txt", "examples/private/q.m",
             "doc/GettingStarted.m", "python/scistack_engine/x.py", "tools/t.mlx"]
    assert builder.matlab_paths(files) == ["/", "/examples", "/tools"]


# ------------------------------------------------------------------------- contents


def test_fsroot_holds_the_toolbox_and_the_engine_source(archive):
    files = fsroot_files(archive)
    project = builder.read_project(ROOT)
    patterns = project.excludes + list(builder.ALWAYS_EXCLUDED)
    toolbox = {p.relative_to(ROOT / "toolbox").as_posix()
               for p in (ROOT / "toolbox").rglob("*") if p.is_file()}
    expected = {f for f in toolbox if not builder.excluded(f, patterns)}
    assert expected <= files
    assert "+scistack/setup.m" in files and "+scistack/+internal/bridge.c" in files
    for package in PACKAGES:
        assert f"python/{package}/__init__.py" in files
    assert "python/scistack_engine/setup_support.py" in files
    requirements = archive.read("fsroot/python/requirements.txt").decode().splitlines()
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "dependencies"]
    assert [r for r in requirements if not r.startswith("#")] == dependencies
    assert files - expected == {f for f in files if f.startswith("python/")}


def test_no_build_products_are_packaged(tmp_path):
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
    package = builder.build(tmp_path / "out.mltbx", root=repository)
    with zipfile.ZipFile(package.path) as opened:
        names = opened.namelist()
    bad = [n for n in names if n.endswith((".mex", ".mexa64", ".o", ".pyc"))
           or "__pycache__" in n or ".egg-info" in n]
    assert bad == []
    assert "fsroot/+scistack/+internal/bridge.c" in names


def test_the_bundled_engine_imports_from_the_extracted_package(extracted):
    python = extracted / "fsroot" / "python"
    code = ("import json, importlib; "
            f"mods = [importlib.import_module(n) for n in {list(PACKAGES)!r}]; "
            "import scistack_engine.gateway as g, scistack_engine.codec as c; "
            "reply = c.decode(g.handle(c.encode({'op': 'ping', 'args': {}}))); "
            "print(json.dumps({'files': [m.__file__ for m in mods], 'ping': reply}))")
    env = dict(os.environ, PYTHONPATH=str(python))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=extracted, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    for file in report["files"]:
        assert pathlib.Path(file).is_relative_to(python), file
    assert report["ping"] == {"ok": VERSION}


def test_the_bundled_setup_helper_reads_the_bundled_requirements(extracted):
    python = extracted / "fsroot" / "python"
    helper = python / "scistack_engine" / "setup_support.py"
    result = subprocess.run(
        [sys.executable, str(helper), "check", "--version", VERSION, "--source", str(python)],
        capture_output=True, text=True, cwd=extracted, timeout=120,
        env=dict(os.environ, PYTHONPATH=str(python)))
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["ready"] is True, report
    assert pathlib.Path(report["engine"]["path"]).is_relative_to(python)


# ---------------------------------------------------------------- the builder itself


def test_build_is_reproducible(tmp_path):
    first = builder.build(tmp_path / "a.mltbx").path.read_bytes()
    second = builder.build(tmp_path / "b.mltbx").path.read_bytes()
    assert first == second


def test_stage_writes_the_same_files(tmp_path, archive):
    package = builder.stage(tmp_path / "stage")
    staged = {p.relative_to(tmp_path / "stage").as_posix()
              for p in (tmp_path / "stage").rglob("*") if p.is_file()}
    assert staged == set(package.files) == fsroot_files(archive)


def test_builder_refuses_disagreeing_versions(tmp_path):
    repository = copy_repository(tmp_path / "repo")
    prj = repository / "scistack.prj"
    prj.write_text(prj.read_text().replace(f"<param.version>{VERSION}<",
                                           "<param.version>9.9.9<"))
    with pytest.raises(builder.BuildError, match="param.version is 9.9.9"):
        builder.build(tmp_path / "x.mltbx", root=repository)
    shutil.copy2(ROOT / "scistack.prj", prj)
    pyproject = repository / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(
        'dynamic = ["version"]', 'version = "9.9.9"'))
    with pytest.raises(builder.BuildError, match="pyproject.toml version is 9.9.9"):
        builder.build(tmp_path / "x.mltbx", root=repository)


def test_builder_refuses_a_bad_guid(tmp_path):
    repository = copy_repository(tmp_path / "repo")
    prj = repository / "scistack.prj"
    prj.write_text(prj.read_text().replace(GUID, "not-a-guid"))
    with pytest.raises(builder.BuildError, match="not a GUID"):
        builder.read_project(repository)


@pytest.mark.parametrize("path, excluded", [
    ("+scistack/+internal/bridge.mex", True), ("bridge.mex", True), ("a/b/c.o", True),
    ("+scistack/+internal/__pycache__/x.pyc", True), ("+scistack/+internal/bridge.c", False),
    ("+scistack/setup.m", False), ("examples/old.asv", True)])
def test_exclude_filters_of_the_prj(path, excluded):
    patterns = builder.read_project(ROOT).excludes
    assert builder.excluded(path, patterns) is excluded


def test_command_line_builds_the_package(tmp_path):
    output = tmp_path / "cli.mltbx"
    result = subprocess.run([sys.executable, str(ROOT / "packaging" / "build_mltbx.py"),
                             "--output", str(output)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert GUID in result.stdout and VERSION in result.stdout
    assert zipfile.is_zipfile(output)


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
    project = builder.read_project(ROOT)
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
