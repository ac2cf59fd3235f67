"""The setup helper that scistack.setup runs (python/scistack_engine/setup_support.py).

Every failure path of the toolbox's setup has a test here: a Python that is too old
(real old interpreters when the machine has them, and a faked version always), a Python
that cannot create virtual environments, a folder in the way, pip failing for want of a
network or for another reason, an environment that still cannot run the engine, the
engine source missing, and an unexpected error. pip never reaches the network: the tests
hand ``ensure`` a stand-in for pip that either fails with pip's own messages or
"installs" the dependencies by pointing the new environment at this interpreter's
site-packages. The virtual environments themselves are real.

The end-to-end install from PyPI runs only with ``SCISTACK_NETWORK_TESTS=1``.
"""

from __future__ import annotations

import ast
import json
import os
import pathlib
import subprocess
import sys
import sysconfig
import venv

import numpy as np
import pytest

import scistack_engine
from scistack_engine import setup_support as helper
from scistack_engine.errors import GatewayError

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOURCE = ROOT / "python"
HELPER = SOURCE / "scistack_engine" / "setup_support.py"
VERSION = scistack_engine.__version__

#: Old interpreters that machines of this project's kind have under pyenv (if present).
OLD_PYTHONS = sorted(pathlib.Path("/root/.pyenv/versions").glob("[23].[0-9]*/bin/python"))
OLD_PYTHONS = [p for p in OLD_PYTHONS
               if tuple(int(x) for x in p.parent.parent.name.split(".")[:2]) < (3, 10)]

NETWORK_OUTPUT = """\
Collecting duckdb>=1.1
WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) \
after connection broken by 'NewConnectionError('<pip._vendor.urllib3.connection.\
HTTPSConnection object at 0x7f>: Failed to establish a new connection: [Errno -3] \
Temporary failure in name resolution')': /simple/duckdb/
ERROR: Could not find a version that satisfies the requirement duckdb>=1.1 (from versions: none)
ERROR: No matching distribution found for duckdb>=1.1
"""

RESOLUTION_OUTPUT = """\
Collecting numpy>=1.26
ERROR: Ignored the following versions that require a different python version: \
2.0 Requires-Python >=3.12
ERROR: Could not find a version that satisfies the requirement numpy>=99 (from versions: 1.26.0)
ERROR: No matching distribution found for numpy>=99
"""


def run_helper(python, *args, cwd=None):
    """Run the helper script with ``python``; (exit status, decoded report)."""
    result = subprocess.run([str(python), str(HELPER), *map(str, args)],
                            capture_output=True, text=True, timeout=300,
                            cwd=cwd or ROOT.parent)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert lines, result.stdout + result.stderr
    return result.returncode, json.loads(lines[-1])


def base_python() -> str:
    """An interpreter without SciStack installed: this venv's base interpreter."""
    return getattr(sys, "_base_executable", None) or sys.executable


def install_from_this_interpreter(python, arguments, log):
    """Stand-in for pip: make this interpreter's site-packages visible to ``python``.

    The dependencies the engine needs are installed here, so a .pth line pointing at
    this site-packages is what a successful ``pip install -r`` would have achieved.
    """
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True).stdout.strip()
    pathlib.Path(purelib, "zz-test-dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n")
    install_from_this_interpreter.calls.append(arguments)
    return 0, "Successfully installed duckdb numpy pandas pyarrow tqdm"


install_from_this_interpreter.calls = []


@pytest.fixture
def fake_pip():
    install_from_this_interpreter.calls = []
    return install_from_this_interpreter


@pytest.fixture
def quick_venv(monkeypatch):
    """Create environments without pip (ensurepip takes seconds; pip is faked anyway)."""
    def create(environment, clear):
        venv.EnvBuilder(with_pip=False, clear=clear, symlinks=(os.name != "nt")).create(
            environment)
    monkeypatch.setattr(helper, "create_environment", create)


def error_of(call, *args, **kwargs) -> helper.SetupError:
    with pytest.raises(helper.SetupError) as caught:
        call(*args, **kwargs)
    return caught.value


# ---------------------------------------------------------------------- the file itself


def test_helper_parses_as_old_python_so_old_interpreters_can_report():
    ast.parse(HELPER.read_text(), feature_version=(3, 4))


@pytest.mark.parametrize("python", OLD_PYTHONS, ids=lambda p: p.parent.parent.name)
def test_a_real_old_python_reports_python_version(python):
    status, report = run_helper(python, "check", "--version", VERSION)
    assert status == 1
    assert report["ok"] is False
    assert report["error"]["identifier"] == "scistack:setup:pythonVersion"
    assert "3.10 or later" in report["error"]["message"]
    assert report["python"]["version"].startswith(python.parent.parent.name[:3])


def test_a_python_older_than_3_10_is_refused():
    error = error_of(helper.check, VERSION, info=(3, 9, 18))
    assert error.identifier == "scistack:setup:pythonVersion"
    assert "3.9.18" in error.message and "3.10 or later" in error.message
    error = error_of(helper.ensure, SOURCE, "/nonexistent", info=(3, 8, 0))
    assert error.identifier == "scistack:setup:pythonVersion"


# ------------------------------------------------------------------------------ check


def test_check_finds_the_engine_of_this_interpreter():
    report = helper.check(VERSION, str(SOURCE))
    assert report["ok"] and report["ready"]
    assert report["engine"]["version"] == VERSION
    assert report["python"]["executable"] == sys.executable
    assert report["missing"] == []


def test_check_reports_another_engine_version_as_not_ready():
    report = helper.check("0.0.0-other", str(SOURCE))
    assert report["ok"] and not report["ready"]
    assert "the toolbox needs 0.0.0-other" in report["engine"]["error"]


def test_check_reports_missing_dependencies(monkeypatch, tmp_path):
    (tmp_path / "requirements.txt").write_text("numpy>=1\nno-such-module-xyz>=1\n")
    report = helper.check(VERSION, str(tmp_path))
    assert not report["ready"]
    assert report["missing"] == ["no_such_module_xyz"]


def test_check_command_line_in_this_and_in_a_bare_interpreter():
    status, report = run_helper(sys.executable, "check", "--version", VERSION,
                                "--source", SOURCE)
    assert status == 0 and report["ready"] is True
    status, report = run_helper(base_python(), "check", "--version", VERSION)
    assert status == 0 and report["ok"] is True and report["ready"] is False
    assert "scistack_engine" in report["engine"]["error"]


def test_the_helper_never_imports_engine_modules_from_its_own_folder():
    # Run as a script, the engine package folder is sys.path[0]; main() drops it.
    code = ("import runpy, sys; sys.argv = ['x', 'check']; "
            f"runpy.run_path({str(HELPER)!r}, run_name='__main__')")
    result = subprocess.run([base_python(), "-c", code], capture_output=True, text=True,
                            cwd=HELPER.parent)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["ready"] is False


# ------------------------------------------------------------------------ requirements


def test_requirements_come_from_pyproject_in_a_clone():
    import tomllib

    expected = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "dependencies"]
    assert helper.read_requirements(str(SOURCE)) == expected


def test_requirements_without_tomllib_match(monkeypatch):
    text = (ROOT / "pyproject.toml").read_text()
    expected = helper.pyproject_dependencies(text)
    monkeypatch.setitem(sys.modules, "tomllib", None)  # as on Python 3.10
    assert helper.pyproject_dependencies(text) == expected
    assert expected


def test_requirements_txt_wins_and_comments_are_ignored(tmp_path):
    (tmp_path / "requirements.txt").write_text("# the engine\nnumpy>=1.26  # arrays\n\n"
                                               "duckdb>=1.1\n")
    assert helper.read_requirements(str(tmp_path)) == ["numpy>=1.26", "duckdb>=1.1"]


def test_no_requirements_anywhere_is_engine_source_missing(tmp_path):
    source = tmp_path / "python"
    source.mkdir()
    error = error_of(helper.read_requirements, str(source))
    assert error.identifier == "scistack:setup:engineSourceMissing"


@pytest.mark.parametrize("requirement, module", [
    ("duckdb>=1.1", "duckdb"), ("pyarrow >= 15", "pyarrow"), ("PyYAML", "yaml"),
    ("typing-extensions; python_version<'3.11'", "typing_extensions"),
    ("numpy[extra]==2", "numpy")])
def test_module_names_of_requirements(requirement, module):
    assert helper.module_name(requirement) == module


# ---------------------------------------------------------------- ensure: the failures


def test_a_folder_in_the_way_is_bad_environment(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    error = error_of(helper.ensure, str(SOURCE), str(tmp_path))
    assert error.identifier == "scistack:setup:badEnvironment"
    assert str(tmp_path) in error.message
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_a_missing_engine_source_is_engine_source_missing(tmp_path):
    error = error_of(helper.ensure, str(tmp_path), str(tmp_path / "env"))
    assert error.identifier == "scistack:setup:engineSourceMissing"
    error = error_of(helper.ensure, str(SOURCE), str(tmp_path / "env"), version="9.9.9")
    assert error.identifier == "scistack:setup:engineSourceMissing"
    assert "9.9.9" in error.message


def test_a_python_without_ensurepip_is_no_venv(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ensurepip", None)
    error = error_of(helper.ensure, str(SOURCE), str(tmp_path / "env"))
    assert error.identifier == "scistack:setup:noVenv"
    assert "venv" in error.message and "apt-get install python3" in error.message


def test_a_failing_venv_creation_is_no_venv(tmp_path, monkeypatch):
    def fail(self, environment):
        raise subprocess.CalledProcessError(1, ["python", "-m", "ensurepip"],
                                            output=b"ensurepip is disabled")
    monkeypatch.setattr(venv.EnvBuilder, "create", fail)
    error = error_of(helper.ensure, str(SOURCE), str(tmp_path / "env"))
    assert error.identifier == "scistack:setup:noVenv"
    assert "ensurepip is disabled" in error.detail


def test_pip_without_network_is_no_network(tmp_path, quick_venv):
    def offline(python, arguments, log):
        return 1, NETWORK_OUTPUT
    error = error_of(helper.ensure, str(SOURCE), str(tmp_path / "env"), pip=offline)
    assert error.identifier == "scistack:setup:noNetwork"
    assert "PipOptions" in error.message and "--proxy" in error.message
    assert "No matching distribution found for duckdb" in error.message
    assert str(tmp_path / "env" / helper.LOG_NAME) in error.message
    assert "Temporary failure in name resolution" in error.detail


@pytest.mark.parametrize("sign", ["ProxyError('Cannot connect to proxy.')",
                                  "SSLError('[SSL: CERTIFICATE_VERIFY_FAILED]')",
                                  "ReadTimeoutError(\"HTTPSConnectionPool: Read timed out.\")"])
def test_proxy_ssl_and_timeouts_count_as_network(sign):
    output = f"WARNING: Retrying after connection broken by '{sign}'\nERROR: failed\n"
    error = helper.pip_failure(1, output, ["numpy"], "/env", "/env/log")
    assert error.identifier == "scistack:setup:noNetwork"


def test_another_pip_failure_is_pip_failed(tmp_path, quick_venv):
    def unsatisfiable(python, arguments, log):
        return 1, RESOLUTION_OUTPUT
    error = error_of(helper.ensure, str(SOURCE), str(tmp_path / "env"), pip=unsatisfiable)
    assert error.identifier == "scistack:setup:pipFailed"
    assert "No matching distribution found for numpy>=99" in error.message
    assert "exit status 1" in error.message
    assert "Reinstall" in error.message


def test_an_environment_that_still_lacks_the_engine_is_engine_missing(tmp_path, quick_venv):
    def does_nothing(python, arguments, log):
        return 0, "Successfully installed nothing"
    error = error_of(helper.ensure, str(SOURCE), str(tmp_path / "env"), pip=does_nothing)
    assert error.identifier == "scistack:setup:engineMissing"
    assert "numpy" in error.message or "No module" in error.message


def test_an_environment_is_never_prepared_by_its_own_python(tmp_path, monkeypatch):
    environment = tmp_path / "env"
    monkeypatch.setattr(sys, "prefix", str(environment))
    error = error_of(helper.ensure, str(SOURCE), str(environment))
    assert error.identifier == "scistack:setup:badEnvironment"
    assert "made from" in error.message


def test_the_facts_name_the_base_interpreter_of_a_virtual_environment():
    facts = helper.python_facts()
    assert facts["virtual"] is (sys.prefix != sys.base_prefix)
    if facts["virtual"]:
        assert facts["base_executable"] != sys.executable
        assert os.path.isfile(facts["base_executable"])
        assert not os.path.realpath(facts["base_executable"]).startswith(sys.prefix + os.sep)


def test_an_unexpected_error_is_helper_failed(monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr(helper, "check", broken)
    status = helper.main(["check"])
    report = json.loads(capsys.readouterr().out)
    assert status == 1
    assert report["error"]["identifier"] == "scistack:setup:helperFailed"
    assert "disk on fire" in report["error"]["message"]
    assert "Traceback" in report["error"]["detail"]


def test_a_failure_is_reported_under_an_identifier_the_toolbox_raises(monkeypatch, capsys):
    def failing(identifier, message):
        def fail(*args, **kwargs):
            raise helper.SetupError(identifier, message)
        monkeypatch.setattr(helper, "check", fail)
        helper.main(["check"])
        return json.loads(capsys.readouterr().out)["error"]

    assert failing(helper.NO_VENV, "no venv") == {
        "identifier": helper.NO_VENV, "message": "no venv", "detail": ""}
    odd = failing("other:thing", "odd")
    assert odd["identifier"] == helper.HELPER_FAILED
    assert odd["message"] == "SciStack's setup helper failed (other:thing): odd"
    silent = failing(helper.PIP_FAILED, "")
    assert silent["message"] == "SciStack's setup helper failed without saying why"
    assert helper.raised_error(None)["identifier"] == helper.HELPER_FAILED


def test_every_identifier_is_one_the_toolbox_documents():
    known = (ROOT / "toolbox" / "+scistack" / "+internal" / "setup_python.m").read_text()
    for identifier in helper.IDENTIFIERS:
        assert identifier.startswith("scistack:setup:")
        assert f"%     {identifier} " in known, identifier


def test_failure_report_on_the_command_line(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    status, report = run_helper(sys.executable, "ensure", "--source", SOURCE,
                                "--environment", tmp_path)
    assert status == 1
    assert report["ok"] is False and report["command"] == "ensure"
    assert report["error"]["identifier"] == "scistack:setup:badEnvironment"
    assert report["python"]["executable"] == sys.executable


# ---------------------------------------------------------------- ensure: success


def test_ensure_creates_then_reuses_then_updates_an_environment(tmp_path, fake_pip):
    environment = tmp_path / "my env"
    report = helper.ensure(str(SOURCE), str(environment), VERSION,
                           pip_options=["--proxy", "http://proxy:8080"], pip=fake_pip)
    python = helper.environment_python(str(environment))
    assert report["action"] == "created"
    assert report["executable"] == python and os.path.isfile(python)
    link = pathlib.Path(report["link"])
    assert link.name == helper.LINK_NAME and link.read_text().strip() == str(SOURCE)
    (arguments,) = fake_pip.calls
    assert arguments[-2:] == ["--proxy", "http://proxy:8080"]
    requirements = (environment / helper.REQUIREMENTS_NAME).read_text().split()
    assert requirements == helper.read_requirements(str(SOURCE))
    assert (environment / helper.LOG_NAME).is_file()
    # The environment imports the engine from the linked source, with a clean path.
    code = "import scistack_engine.gateway as g; print(g.__file__)"
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run([python, "-c", code], capture_output=True, text=True,
                            cwd=tmp_path, env=clean)
    assert result.stdout.strip().startswith(str(SOURCE)), result.stderr

    again = helper.ensure(str(SOURCE), str(environment), VERSION, pip=fake_pip)
    assert again["action"] == "reused" and len(fake_pip.calls) == 1

    link.unlink()
    fixed = helper.ensure(str(SOURCE), str(environment), VERSION, pip=fake_pip)
    assert fixed["action"] == "updated" and len(fake_pip.calls) == 2
    assert link.is_file()


def test_reinstall_and_a_broken_environment_start_again(tmp_path, fake_pip, quick_venv):
    environment = tmp_path / "env"
    helper.ensure(str(SOURCE), str(environment), VERSION, pip=fake_pip)
    marker = environment / "left-over"
    marker.write_text("x")
    report = helper.ensure(str(SOURCE), str(environment), VERSION, reinstall=True,
                           pip=fake_pip)
    assert report["action"] == "created" and not marker.exists()
    os.unlink(helper.environment_python(str(environment)))
    report = helper.ensure(str(SOURCE), str(environment), VERSION, pip=fake_pip)
    assert report["action"] == "created"
    assert os.path.isfile(report["executable"])


def test_an_empty_folder_becomes_the_environment(tmp_path, fake_pip, quick_venv):
    environment = tmp_path / "empty"
    environment.mkdir()
    report = helper.ensure(str(SOURCE), str(environment), VERSION, pip=fake_pip)
    assert report["action"] == "created"


@pytest.mark.skipif(os.environ.get("SCISTACK_NETWORK_TESTS") != "1",
                    reason="installs numpy, pandas, duckdb, pyarrow from PyPI: set "
                           "SCISTACK_NETWORK_TESTS=1 to run")
def test_ensure_installs_from_pypi_for_real(tmp_path):
    status, report = run_helper(base_python(), "ensure", "--source", SOURCE,
                                "--environment", tmp_path / "env", "--version", VERSION)
    assert status == 0, report
    assert report["action"] == "created"
    status, checked = run_helper(report["executable"], "check", "--version", VERSION,
                                 "--source", SOURCE)
    assert checked["ready"] is True


# ------------------------------------------------------------------ MATLAB releases


@pytest.mark.parametrize("release, accepted", [
    ("R2022b", ((3, 10),)),
    ("2023a", ((3, 10),)),
    ("R2023b", ((3, 10), (3, 11))),
    ("R2024a", ((3, 10), (3, 11))),
    ("R2024b", ((3, 10), (3, 11), (3, 12))),
    ("R2025b", ((3, 10), (3, 11), (3, 12))),
    ("R2031a", ((3, 10), (3, 11), (3, 12))),  # newer than the table: its last row
])
def test_each_release_accepts_the_pythons_it_supports(release, accepted):
    assert helper.accepted_versions(release) == accepted


@pytest.mark.parametrize("release", ["R2021b", "R2022a", "R2019a", "Octave", ""])
def test_releases_before_r2022b_are_refused_by_name(release):
    with pytest.raises(helper.SetupError) as err:
        helper.accepted_versions(release)
    assert err.value.identifier == helper.RELEASE_UNSUPPORTED
    assert "R2022b" in err.value.message or "not a MATLAB release" in err.value.message


def test_the_first_release_is_where_the_table_first_reaches_the_engine():
    first = min(r for r, v in helper.MATLAB_PYTHON_VERSIONS.items()
                if max(v) >= helper.MINIMUM_PYTHON)
    assert first == helper.FIRST_RELEASE == "R2022b"


def test_a_python_the_release_does_not_support_names_the_accepted_versions():
    with pytest.raises(helper.SetupError) as err:
        helper.require_release_python("R2023b", (3, 12, 1))
    assert err.value.identifier == helper.PYTHON_VERSION
    assert "MATLAB R2023b accepts Python 3.10, 3.11" in err.value.message
    helper.require_release_python("R2024b", (3, 12, 1))


def test_check_with_a_release_reports_the_accepted_versions():
    this = "{}.{}".format(*sys.version_info[:2])
    release = next(r for r, v in sorted(helper.MATLAB_PYTHON_VERSIONS.items())
                   if sys.version_info[:2] in v)
    status, report = run_helper(sys.executable, "check", "--release", release)
    assert status == 0, report
    assert this in report["accepted"]
    status, report = run_helper(sys.executable, "check", "--release", "R2022b")
    if this != "3.10":
        assert status == 1
        assert report["error"]["identifier"] == "scistack:setup:pythonVersion"
        assert "3.10" in report["error"]["message"]


def test_the_shared_libpython_is_found_and_its_absence_refused(monkeypatch):
    if sysconfig.get_config_var("Py_ENABLE_SHARED"):
        assert pathlib.Path(helper.shared_library()).name.startswith("libpython")
    real = sysconfig.get_config_var
    monkeypatch.setattr(sysconfig, "get_config_var",
                        lambda name: None if name in ("Py_ENABLE_SHARED", "PYTHONFRAMEWORK")
                        else real(name))
    assert helper.shared_library() == ""
    with pytest.raises(helper.SetupError) as err:
        helper.require_shared_library()
    assert err.value.identifier == helper.NO_SHARED_LIBRARY


# ---------------------------------------------------------------- choose: candidates


def fake_python(folder, name, on_check, status=0):
    """A shell script standing in for a Python: ``check`` prints ``on_check`` (a dict as
    JSON, or raw text) as the helper would; it records that it ran."""
    path = folder / name
    text = json.dumps(on_check) if isinstance(on_check, dict) else on_check
    path.write_text("#!/bin/sh\n"
                    f"echo ran >> '{path}.ran'\n"
                    f"case \"$2\" in check) printf '%s\\n' '{text}'; exit {status} ;; esac\n"
                    "exit 3\n")
    path.chmod(0o755)
    return str(path)


def check_report(executable, ready=True, version="3.11.4", **facts):
    return {"ok": True, "command": "check", "ready": ready,
            "python": dict({"executable": executable, "version": version}, **facts),
            "engine": {"version": VERSION,
                       "error": "" if ready else "ModuleNotFoundError: scistack_engine"}}


def failed_check(identifier, message, version="3.8.10"):
    return {"ok": False, "command": "check",
            "python": {"executable": "/fake/old", "version": version},
            "error": {"identifier": identifier, "message": message, "detail": ""}}


def choose(candidates, **options):
    options.setdefault("environment", "/fake/env")
    return helper.choose(candidates, VERSION, str(SOURCE), **options)


posix_only = pytest.mark.skipif(os.name == "nt", reason="fake Pythons are shell scripts")


@posix_only
def test_the_first_python_that_runs_the_engine_is_used_as_it_is(tmp_path):
    missing = str(tmp_path / "no-such-python")
    ready = fake_python(tmp_path, "ready", check_report("/fake/ready/bin/python"))
    later = fake_python(tmp_path, "later", check_report("/fake/later"))
    report = choose([missing, ready, later])
    assert report["chosen"] == {"python": "/fake/ready/bin/python", "action": "existing",
                                "candidate": ready, "version": "3.11.4",
                                "environment": "", "log": ""}
    assert "prepare" not in report and "bridge" not in report
    assert not os.path.exists(later + ".ran")


@posix_only
def test_no_python_names_every_candidate_and_why(tmp_path):
    noisy = fake_python(tmp_path, "noisy", "this is not a report", status=1)
    error = error_of(choose, [noisy, str(tmp_path / "gone")])
    assert error.identifier == "scistack:setup:noPython"
    assert noisy + " (exit status 1: this is not a report)" in error.message
    assert str(tmp_path / "gone") + " (not found)" in error.message


@posix_only
def test_only_old_pythons_is_python_version_naming_them(tmp_path):
    old = fake_python(tmp_path, "old", failed_check(helper.PYTHON_VERSION, "too old"))
    error = error_of(choose, [old, str(tmp_path / "gone")])
    assert error.identifier == "scistack:setup:pythonVersion"
    assert old + " (Python 3.8.10)" in error.message
    assert "3.10 or later" in error.message and "too old" in error.message


@posix_only
def test_a_python_without_shared_libpython_is_passed_over(tmp_path):
    static = fake_python(tmp_path, "static",
                         failed_check(helper.NO_SHARED_LIBRARY, "no libpython", "3.11.4"))
    ready = fake_python(tmp_path, "ready", check_report("/fake/ready"))
    assert choose([static, ready])["chosen"]["candidate"] == ready


@posix_only
def test_an_old_python_named_by_the_user_gives_its_own_message(tmp_path):
    old = fake_python(tmp_path, "old", failed_check(helper.PYTHON_VERSION, "Python 3.8.10"))
    error = error_of(choose, [old], explicit=True)
    assert (error.identifier, error.message) == ("scistack:setup:pythonVersion",
                                                 "Python 3.8.10")


@posix_only
def test_an_old_python_is_passed_over_for_a_newer_one(tmp_path):
    old = fake_python(tmp_path, "old", failed_check(helper.PYTHON_VERSION, "too old"))
    ready = fake_python(tmp_path, "ready", check_report("/fake/ready"))
    assert choose([old, ready])["chosen"]["python"] == "/fake/ready"


@posix_only
def test_another_failure_of_a_candidate_is_raised(tmp_path):
    odd = fake_python(tmp_path, "odd", failed_check(helper.RELEASE_UNSUPPORTED, "R2020a"))
    assert error_of(choose, [odd]).identifier == "scistack:setup:releaseUnsupported"


@posix_only
def test_no_python_running_the_engine_asks_to_prepare_the_environment(tmp_path):
    bare = fake_python(tmp_path, "bare", check_report("/fake/base", ready=False))
    environment = str(tmp_path / "an env")
    report = choose([bare], environment=environment, reinstall=True,
                    pip_options=["--proxy", "http://proxy:8080"])
    plan = report["prepare"]
    assert plan["runner"] == bare
    assert plan["arguments"] == [
        "ensure", "--source", str(SOURCE), "--environment", environment, "--version",
        VERSION, "--reinstall", "--pip-option=--proxy", "--pip-option=http://proxy:8080"]
    assert environment in plan["message"] and "3.11.4 (/fake/base)" in plan["message"]
    assert report["chosen"]["candidate"] == bare and report["chosen"]["version"] == "3.11.4"


@posix_only
def test_reinstall_passes_over_a_python_that_runs_the_engine(tmp_path):
    ready = fake_python(tmp_path, "ready", check_report("/fake/r"))
    report = choose([ready], reinstall=True, mex="/fake/bridge.mex", rebuild=True)
    assert report["prepare"]["runner"] == ready
    assert report["prepare"]["arguments"][-3:] == ["--mex", "/fake/bridge.mex", "--rebuild"]


@posix_only
def test_an_environment_is_prepared_by_the_python_it_was_made_from(tmp_path):
    environment = tmp_path / "env"
    own = check_report(str(environment / "bin" / "python"), virtual=True,
                       prefix=str(environment) + "/", base_executable="/fake/made_from")
    inside = fake_python(tmp_path, "inside", own)
    report = choose([inside], environment=str(environment), reinstall=True)
    assert report["prepare"]["runner"] == "/fake/made_from"
    assert report["chosen"]["candidate"] == inside


def test_the_default_environment_is_in_the_home_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(helper, "check", lambda *a, **k: check_report("/x", ready=False))
    report = helper.choose(["me"], VERSION, str(SOURCE), own="me")
    expected = str(tmp_path / ".scistack" / "venv")
    assert report["prepare"]["arguments"][4] == expected


def test_the_candidate_running_the_helper_is_checked_in_process(monkeypatch):
    def no_subprocess(*args, **kwargs):
        raise AssertionError("the own candidate was run again")
    monkeypatch.setattr(helper, "run", no_subprocess)
    report = choose(["python3"], own="python3", mex="/nowhere/bridge.mex")
    assert report["chosen"]["action"] == "existing"
    assert report["chosen"]["python"] == sys.executable
    assert report["bridge"]["build"] is True
    assert report["bridge"]["executable"] == sys.executable


@posix_only
@pytest.mark.parametrize("python", OLD_PYTHONS, ids=lambda p: p.parent.parent.name)
def test_a_real_old_python_runs_the_choice_and_picks_a_newer_one(python):
    status, report = run_helper(python, "choose", "--version", VERSION, "--source", SOURCE,
                                "--", python, sys.executable)
    assert status == 0, report
    assert report["chosen"]["candidate"] == sys.executable
    assert report["chosen"]["action"] == "existing"


def test_the_choice_on_the_command_line(tmp_path):
    status, report = run_helper(sys.executable, "choose", "--version", VERSION,
                                "--source", SOURCE, "--mex", tmp_path / "bridge.mex",
                                "--", sys.executable)
    assert status == 0 and report["ok"] and report["command"] == "choose"
    assert report["chosen"]["python"] == sys.executable
    assert report["bridge"]["target"] == str(tmp_path / "bridge.mex")


@posix_only
def test_the_candidates_before_the_runner_are_checked_by_the_helper(tmp_path):
    # scistack.setup gives every candidate to the first one that runs the helper, which
    # says why each one before it gave no report (the toolbox does not)
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({
        "Candidates": [str(tmp_path / "gone"), "python9.99", sys.executable],
        "Version": VERSION, "Source": str(SOURCE), "Environment": str(tmp_path / "env"),
        "Explicit": False, "Loaded": "", "Mex": "", "Release": "", "PipOptions": [],
        "Reinstall": False, "Rebuild": False, "Options": []}))
    status, report = run_helper(sys.executable, "choose", "--settings", settings,
                                "--runner", sys.executable)
    assert status == 0 and report["chosen"]["candidate"] == sys.executable
    settings.write_text(json.dumps({"Candidates": [str(tmp_path / "gone"), "python9.99"],
                                    "Version": VERSION, "Source": str(SOURCE)}))
    status, report = run_helper(sys.executable, "choose", "--settings", settings,
                                "--runner", sys.executable)
    assert status == 1 and report["error"]["identifier"] == "scistack:setup:noPython"
    assert "%s (not found), python9.99 (not found)" % (tmp_path / "gone") in \
        report["error"]["message"]


def test_the_settings_file_holds_setup_python_s_options_and_the_user_s(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({
        "Candidates": ["python3"], "Explicit": True, "Loaded": "", "Mex": "/m/bridge.mex",
        "Environment": "/default/env", "PipOptions": [], "Reinstall": False,
        "Rebuild": 0, "Version": VERSION, "Source": "/src", "Release": "R2024a",
        "Options": ["ENVIRONMENT", "~/mine", "reinstall", 1, "pipoptions", "--proxy=x",
                    "Rebuild", True]}))
    assert helper.read_settings(str(path)) == {
        "candidates": ["python3"], "explicit": True, "loaded": None, "mex": "/m/bridge.mex",
        "environment": "~/mine", "pip_options": ["--proxy=x"], "reinstall": True,
        "rebuild": True, "version": VERSION, "source": "/src", "release": "R2024a"}


@pytest.mark.parametrize("given, message", [
    ({"Bogus": 1}, "unknown option 'Bogus'"),
    ({"Options": ["Bogus", 1]}, "unknown option 'Bogus' (known: Environment, Reinstall, "
                                "PipOptions, Rebuild)"),
    ({"Options": ["PipOptions", [1]]}, "'PipOptions' takes text"),
    ({"Options": ["Reinstall", "yes"]}, "'Reinstall' takes true or false"),
    ({"Options": ["Environment", 3]}, "'Environment' takes text"),
])
def test_a_wrong_setting_or_option_is_bad_arguments(tmp_path, given, message):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(given))
    error = error_of(helper.read_settings, str(path))
    assert error.identifier == "scistack:setup:badArguments"
    assert error.message.startswith(message)


def test_choose_needs_a_source_whose_version_is_the_default(tmp_path):
    report = helper.report_for(helper.parse(["choose", "python3"]))
    assert report["error"]["identifier"] == "scistack:setup:badArguments"
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"Source": str(SOURCE), "Candidates": [sys.executable]}))
    report = helper.report_for(helper.parse(["choose", "--settings", str(settings)]))
    assert report["ok"] and report["chosen"]["action"] == "existing"


# ------------------------------------------------------- choose: a running Python


@posix_only
def test_a_running_python_that_runs_the_engine_is_kept(tmp_path):
    running = fake_python(tmp_path, "running", check_report("/fake/run"))
    report = choose(["python3"], loaded=running)
    assert report["chosen"]["action"] == "loaded"
    assert report["chosen"]["python"] == "/fake/run"
    assert report["chosen"]["candidate"] == running


@posix_only
def test_asking_for_another_python_than_the_running_one_needs_a_restart(tmp_path):
    running = fake_python(tmp_path, "a", check_report("/fake/a"))
    wanted = fake_python(tmp_path, "b", check_report("/fake/b"))
    error = error_of(choose, [wanted], loaded=running, explicit=True)
    assert error.identifier == "scistack:setup:restartNeeded"
    assert "/fake/a" in error.message and "/fake/b" in error.message


@posix_only
def test_asking_for_the_running_python_by_another_name_keeps_it(tmp_path):
    running = fake_python(tmp_path, "a", check_report("/fake/a"))
    alias = fake_python(tmp_path, "alias", check_report("/fake/a"))
    assert choose([alias], loaded=running, explicit=True)["chosen"]["python"] == "/fake/a"


@posix_only
def test_a_running_python_without_the_engine_needs_a_restart(tmp_path):
    running = fake_python(tmp_path, "bare", check_report("/fake/bare", ready=False))
    error = error_of(choose, ["python3"], loaded=running)
    assert error.identifier == "scistack:setup:restartNeeded"
    assert "ModuleNotFoundError" in error.message


def test_a_running_python_that_cannot_be_checked_needs_a_restart(tmp_path):
    error = error_of(choose, ["python3"], loaded=str(tmp_path / "gone"))
    assert error.identifier == "scistack:setup:restartNeeded"
    assert "not found" in error.message


@pytest.mark.parametrize("status,output,why", [
    (127, "", "not found"),
    (1, "sh: 1: python9: not found", "not found"),
    (2, "", "exit status 2, no output"),
    (1, "a\nb\nc\nd\ne\nf", "exit status 1: b | c | d | e | f")])
def test_why_a_candidate_gave_no_report(status, output, why):
    assert helper.unrunnable(status, output) == why


# ---------------------------------------------------------------- the MEX bridge


def test_the_bridge_plan_builds_only_when_needed(tmp_path):
    facts = helper.build_facts()
    source = tmp_path / "bridge.c"
    source.write_text("/* c */")
    target = tmp_path / "bridge.mex"
    plan = helper.bridge_plan(facts, "/p", str(target))
    assert plan["build"] is True  # missing
    assert plan["arguments"][:3] == ["--mex", "-o", str(target)]
    assert str(source) in plan["arguments"] and plan["executable"] == "/p"
    assert any(a.startswith("-I") for a in plan["arguments"])
    if facts["libdir"]:
        assert plan["arguments"][-1] == "-Wl,-rpath," + facts["libdir"]
    target.write_bytes(b"\0libpython%s.so.1.0\0" % facts["version"].encode())
    os.utime(source, (1, 1))
    assert helper.bridge_plan(facts, "/p", str(target))["build"] is False
    assert helper.bridge_plan(facts, "/p", str(target), rebuild=True)["build"] is True
    target.write_bytes(b"\0libpython3.99.so.1.0\0")
    assert helper.bridge_plan(facts, "/p", str(target))["build"] is True  # another Python
    target.write_bytes(b"\0libpython%s.so.1.0\0" % facts["version"].encode())
    os.utime(source, None)
    os.utime(target, (2, 2))
    assert helper.bridge_plan(facts, "/p", str(target))["build"] is True  # older than source


def test_the_build_facts_without_python_config_come_from_sysconfig(monkeypatch):
    monkeypatch.setattr(os.path, "isfile", lambda path: False)
    facts = helper.build_facts()
    assert facts["config"] == ""
    assert facts["includes"] == ["-I" + sysconfig.get_paths()["include"]] or \
        facts["includes"][0] == "-I" + sysconfig.get_paths()["include"]
    assert any(flag.startswith("-lpython") for flag in facts["ldflags"])


def test_the_bridge_command_plans_a_rebuild(tmp_path):
    status, report = run_helper(sys.executable, "bridge", "--mex", tmp_path / "bridge.mex")
    assert status == 0 and report["bridge"]["build"] is True
    assert report["bridge"]["version"] == "{}.{}".format(*sys.version_info[:2])


def test_ensure_plans_the_bridge_of_the_environment(tmp_path, fake_pip, quick_venv):
    environment = tmp_path / "env"
    mex = str(tmp_path / "bridge.mex")
    report = helper.ensure(str(SOURCE), str(environment), VERSION, pip=fake_pip, mex=mex)
    assert report["bridge"]["executable"] == helper.environment_python(str(environment))
    again = helper.ensure(str(SOURCE), str(environment), VERSION, pip=fake_pip, mex=mex)
    assert again["action"] == "reused" and again["bridge"]["target"] == mex


# ------------------------------------------------- the engine answers for its Python


def test_the_engine_runs_the_helper_for_the_python_it_runs_in(tmp_path):
    from scistack_engine.gateway import dispatch

    argv = np.array(["choose", "--version", VERSION, "--source", str(SOURCE), "--loaded",
                     sys.executable, "--mex", str(tmp_path / "bridge.mex"), "--",
                     sys.executable], dtype=object).reshape(-1, 1)
    report = dispatch._setup({"argv": argv})
    assert report["ok"] and report["chosen"]["action"] == "loaded"
    assert report["chosen"]["python"] == sys.executable
    assert report["bridge"]["build"] is True
    failed = dispatch._setup({"argv": ["check", "--version", "0.0.0"]})
    assert failed["ok"] and failed["ready"] is False and "0.0.0" in failed["engine"]["error"]
    with pytest.raises(GatewayError):
        dispatch._setup({"argv": ["nonsense"]})
