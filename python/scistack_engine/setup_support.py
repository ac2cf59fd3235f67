"""Prepare the Python environment that SciStack's MATLAB and Octave toolbox runs on.

``scistack.setup`` (MATLAB, GNU Octave) runs this file as a script with the first
candidate interpreter that starts, and reads one JSON report from its standard output.
Every decision is made here, so that it can be tested without MATLAB: which candidate
is used (is it recent enough, does this MATLAB release support it, has it a shared
libpython, does it already run the engine), where the virtual environment goes and who
prepares it, what a pip failure means, and whether GNU Octave's MEX bridge must be
compiled, with which flags. The toolbox only finds an interpreter that starts, runs
what the report asks for, and raises its errors. This file does not start the engine
and does not touch MATLAB's or Octave's configuration.

Commands::

    python setup_support.py choose --version V --source DIR [--release R2023b]
                                   [--environment DIR] [--reinstall] [--pip-option=OPT ...]
                                   [--explicit] [--loaded PYTHON] [--runner CANDIDATE]
                                   [--mex FILE [--rebuild]] [--] CANDIDATE ...
    python setup_support.py choose --settings FILE [--runner CANDIDATE]
    python setup_support.py check  [--version V] [--source DIR] [--release R2023b]
                                   [--bridge]
    python setup_support.py ensure --source DIR --environment DIR [--version V]
                                   [--reinstall] [--pip-option=OPT ...] [--mex FILE]
    python setup_support.py bridge --mex FILE

``choose`` (:func:`choose`) checks the candidates in order, the one that runs it
(``--runner``, else ``--loaded``, else the first) in its own process and every other one
by running ``check`` in it, and
reports ``chosen`` (the Python to use and why) or, when an environment must be made
ready first, ``prepare``: the ``ensure`` command line and the interpreter to run it with.
``scistack.setup`` gives ``choose`` its settings in a JSON file (``--settings``,
:func:`read_settings`): ``setup_python``'s OPTIONS and the user's name/value options,
checked here.
``check`` reports the interpreter (version, executable, virtual environment or not) and
whether it is *ready*: it imports ``scistack_engine`` at version ``V`` together with the
engine's dependencies. With ``--release`` (MATLAB's ``version('-release')``) it first
checks that this MATLAB release supports the interpreter's version
(``MATLAB_PYTHON_VERSIONS``) and that the interpreter has a shared libpython, which
MATLAB loads; a failure names the versions the release accepts. ``ensure`` makes the
virtual environment ``--environment`` ready:
it creates it with this interpreter when needed, installs the dependencies listed by the
engine source ``--source`` (``requirements.txt`` there, else the ``dependencies`` of the
``pyproject.toml`` beside it) from PyPI with pip, links the engine source into it with a
``.pth`` file, and checks the result. ``--mex`` adds ``bridge`` to the report
(:func:`bridge_plan`: whether GNU Octave's MEX file must be compiled, and the
``mkoctfile`` arguments for the chosen interpreter); ``bridge`` reports only that.

The report is one line of JSON. Every report has ``ok``, ``command`` and ``python``
(facts about the interpreter that ran the command: executable, version, prefix,
virtual). ``check`` adds ``ready``, ``engine`` (version, path, error) and ``missing``;
``ensure`` adds ``action`` (``created``, ``updated`` or ``reused``), ``executable`` (the
environment's interpreter), ``environment``, ``log`` and ``requirements``. A failed
report has ``error``: an ``identifier`` (``scistack:setup:<reason>``, see
``IDENTIFIERS``), a ``message`` that says what to do, and a ``detail``. The exit
status is 0 for a successful report and 1 for a failed one.

The file uses only the standard library and is written so that old interpreters can
parse and run it: a Python older than 3.10 gets a ``scistack:setup:pythonVersion``
report, not a syntax error, and can still choose a newer candidate.
"""

from __future__ import print_function

import json
import os
import re
import subprocess
import sys
import tempfile

__all__ = ["FIRST_RELEASE", "IDENTIFIERS", "MATLAB_PYTHON_VERSIONS", "MINIMUM_PYTHON",
           "SETTINGS", "SETUP_OPTIONS", "SetupError", "accepted_versions", "bridge_plan",
           "build_facts", "check", "choose", "ensure", "main", "read_settings"]

#: The oldest Python the engine runs on (pyproject's requires-python).
MINIMUM_PYTHON = (3, 10)

#: The identifiers a report's error can carry (the toolbox maps them to MATLAB errors).
PYTHON_VERSION = "scistack:setup:pythonVersion"
BAD_ARGUMENTS = "scistack:setup:badArguments"
NO_VENV = "scistack:setup:noVenv"
BAD_ENVIRONMENT = "scistack:setup:badEnvironment"
NO_NETWORK = "scistack:setup:noNetwork"
PIP_FAILED = "scistack:setup:pipFailed"
ENGINE_MISSING = "scistack:setup:engineMissing"
ENGINE_SOURCE_MISSING = "scistack:setup:engineSourceMissing"
HELPER_FAILED = "scistack:setup:helperFailed"
RELEASE_UNSUPPORTED = "scistack:setup:releaseUnsupported"
NO_SHARED_LIBRARY = "scistack:setup:noSharedLibrary"
NO_PYTHON = "scistack:setup:noPython"
RESTART_NEEDED = "scistack:setup:restartNeeded"
IDENTIFIERS = (PYTHON_VERSION, NO_VENV, BAD_ENVIRONMENT, NO_NETWORK, PIP_FAILED,
               ENGINE_MISSING, ENGINE_SOURCE_MISSING, HELPER_FAILED, RELEASE_UNSUPPORTED,
               NO_SHARED_LIBRARY, NO_PYTHON, RESTART_NEEDED, BAD_ARGUMENTS)

#: The Python minor versions each MATLAB release supports, from MathWorks' table
#: "Versions of Python Compatible with MATLAB Products by Release". A release newer
#: than the last row is taken to support what the last row does.
MATLAB_PYTHON_VERSIONS = {
    "R2021b": ((3, 7), (3, 8), (3, 9)),
    "R2022a": ((3, 8), (3, 9)),
    "R2022b": ((3, 8), (3, 9), (3, 10)),
    "R2023a": ((3, 8), (3, 9), (3, 10)),
    "R2023b": ((3, 9), (3, 10), (3, 11)),
    "R2024a": ((3, 9), (3, 10), (3, 11)),
    "R2024b": ((3, 9), (3, 10), (3, 11), (3, 12)),
    "R2025a": ((3, 9), (3, 10), (3, 11), (3, 12)),
    "R2025b": ((3, 9), (3, 10), (3, 11), (3, 12)),
}
#: The first MATLAB release that supports a Python the engine runs on.
FIRST_RELEASE = "R2022b"

#: Name of the .pth file that puts the engine source on the environment's path.
LINK_NAME = "scistack-engine.pth"
#: Files ``ensure`` writes into the environment it manages.
LOG_NAME = "scistack-setup.log"
REQUIREMENTS_NAME = "scistack-requirements.txt"

#: Text in pip's output that means the package index could not be reached.
NETWORK_SIGNS = (
    "Failed to establish a new connection",
    "NewConnectionError",
    "Temporary failure in name resolution",
    "Name or service not known",
    "nodename nor servname",
    "getaddrinfo failed",
    "Network is unreachable",
    "No route to host",
    "Connection refused",
    "Connection reset",
    "ConnectTimeoutError",
    "ReadTimeoutError",
    "timed out",
    "ProxyError",
    "SSLError",
    "CERTIFICATE_VERIFY_FAILED",
    "Could not fetch URL",
    "MaxRetryError",
)

#: Modules whose import name differs from their distribution name.
_MODULE_NAMES = {"pyyaml": "yaml", "scikit-learn": "sklearn", "pillow": "PIL"}


class SetupError(Exception):
    """A failure with an identifier, a message saying what to do, and details."""

    def __init__(self, identifier, message, detail=""):
        Exception.__init__(self, message)
        self.identifier = identifier
        self.message = message
        self.detail = detail

    def as_dict(self):
        return {"identifier": self.identifier, "message": self.message,
                "detail": self.detail}


# --------------------------------------------------------------------------- facts


def version_text(info=None):
    """``'3.11.7'`` for ``sys.version_info`` (or ``info``)."""
    info = sys.version_info if info is None else info
    return "%d.%d.%d" % (info[0], info[1], info[2])


def python_facts(info=None):
    """What the toolbox needs to know about the running interpreter."""
    base_prefix = getattr(sys, "base_prefix", sys.prefix)
    return {
        "executable": sys.executable,
        "version": version_text(info),
        "prefix": sys.prefix,
        "base_prefix": base_prefix,
        "virtual": sys.prefix != base_prefix,
        "base_executable": base_executable(),
    }


def base_executable():
    """The interpreter a virtual environment was made from (``sys.executable`` if none)."""
    base_prefix = getattr(sys, "base_prefix", sys.prefix)
    if sys.prefix == base_prefix:
        return sys.executable
    version = "%d.%d" % sys.version_info[:2]
    for candidate in (getattr(sys, "_base_executable", None),
                      os.path.join(base_prefix, "bin", "python" + version),
                      os.path.join(base_prefix, "bin", "python3"),
                      os.path.join(base_prefix, "python.exe")):
        if candidate and candidate != sys.executable and os.path.isfile(candidate):
            return candidate
    return sys.executable


def require_version(info=None):
    """Raise ``pythonVersion`` unless the interpreter is Python 3.10 or later."""
    info = sys.version_info if info is None else info
    if tuple(info[:2]) < MINIMUM_PYTHON:
        raise SetupError(
            PYTHON_VERSION,
            "the Python '%s' is version %s; SciStack needs Python %d.%d or later. Install "
            "a newer Python (python.org, conda, or your system's packages) and pass it: "
            "scistack.setup('/path/to/python3')"
            % (sys.executable, version_text(info), MINIMUM_PYTHON[0], MINIMUM_PYTHON[1]))


def release_key(release):
    """``'R2023b'`` for ``'2023b'``, ``'R2023b'`` or ``'r2023b'``; None if not a release."""
    match = re.match(r"^[Rr]?(\d{4})([ab])$", str(release).strip())
    return "R%s%s" % match.groups() if match else None


def accepted_versions(release):
    """The Python minor versions SciStack can use in MATLAB ``release``, oldest first.

    Those the release supports and the engine runs on (``MINIMUM_PYTHON`` or later).
    Raises ``releaseUnsupported`` for a release before ``FIRST_RELEASE`` or text that
    names no release.
    """
    key = release_key(release)
    if key is None:
        raise SetupError(RELEASE_UNSUPPORTED, "'%s' is not a MATLAB release name such as "
                         "R2023b" % (release,))
    known = sorted(MATLAB_PYTHON_VERSIONS)
    supported = MATLAB_PYTHON_VERSIONS.get(key)
    if supported is None and key > known[-1]:
        supported = MATLAB_PYTHON_VERSIONS[known[-1]]
    accepted = tuple(v for v in supported or () if v >= MINIMUM_PYTHON)
    if not accepted:
        raise SetupError(
            RELEASE_UNSUPPORTED,
            "MATLAB %s supports no Python that SciStack runs on (Python %d.%d or later); "
            "SciStack needs MATLAB %s or later" % (key, MINIMUM_PYTHON[0], MINIMUM_PYTHON[1],
                                                   FIRST_RELEASE))
    return accepted


def require_release_python(release, info=None):
    """Raise ``pythonVersion`` unless MATLAB ``release`` supports this interpreter."""
    info = sys.version_info if info is None else info
    accepted = accepted_versions(release)
    if tuple(info[:2]) not in accepted:
        names = ", ".join("%d.%d" % v for v in accepted)
        raise SetupError(
            PYTHON_VERSION,
            "the Python '%s' is version %s; MATLAB %s accepts Python %s for SciStack. "
            "Install one of those and pass it: scistack.setup('/path/to/python3.%d')"
            % (sys.executable, version_text(info), release_key(release), names,
               accepted[-1][1]))


def shared_library():
    """The interpreter's shared libpython ('' when it was built without one)."""
    import sysconfig

    if os.name == "nt":
        return os.path.join(sys.base_prefix, "python%d%d.dll" % sys.version_info[:2])
    if not sysconfig.get_config_var("Py_ENABLE_SHARED") and \
            not sysconfig.get_config_var("PYTHONFRAMEWORK"):
        return ""
    name = sysconfig.get_config_var("INSTSONAME") or sysconfig.get_config_var("LDLIBRARY")
    return os.path.join(sysconfig.get_config_var("LIBDIR") or "", name or "")


def require_shared_library():
    """Raise ``noSharedLibrary`` when the interpreter has no shared libpython."""
    if not shared_library():
        raise SetupError(
            NO_SHARED_LIBRARY,
            "the Python '%s' was built without a shared libpython, which MATLAB needs to "
            "load it; use a Python from python.org, Homebrew, conda or your system's "
            "packages (pyenv: PYTHON_CONFIGURE_OPTS=--enable-shared)" % sys.executable)


def source_version(source):
    """The ``__version__`` written in ``<source>/scistack_engine/__init__.py``."""
    init = os.path.join(source, "scistack_engine", "__init__.py")
    try:
        with open(init) as handle:
            text = handle.read()
    except (IOError, OSError):
        raise SetupError(
            ENGINE_SOURCE_MISSING,
            "the SciStack engine source is missing: '%s' does not exist. Reinstall the "
            "SciStack toolbox (or, in a clone, check that python/ is complete)" % init)
    match = re.search(r"^__version__\s*=\s*['\"]([^'\"]+)['\"]", text, re.MULTILINE)
    if match is None:
        raise SetupError(ENGINE_SOURCE_MISSING,
                         "'%s' does not define __version__" % init)
    return match.group(1)


def read_requirements(source):
    """The engine's dependencies, as pip requirement strings.

    ``<source>/requirements.txt`` (what the toolbox package bundles) when present, else
    the ``[project] dependencies`` of ``<source>/../pyproject.toml`` (a clone).
    """
    listed = os.path.join(source, "requirements.txt")
    if os.path.isfile(listed):
        with open(listed) as handle:
            lines = [line.split("#", 1)[0].strip() for line in handle]
        return [line for line in lines if line]
    project = os.path.join(os.path.dirname(os.path.abspath(source)), "pyproject.toml")
    if os.path.isfile(project):
        with open(project) as handle:
            return pyproject_dependencies(handle.read())
    raise SetupError(
        ENGINE_SOURCE_MISSING,
        "the engine source '%s' lists no dependencies (no requirements.txt, no "
        "pyproject.toml beside it). Reinstall the SciStack toolbox" % source)


def pyproject_dependencies(text):
    """``[project] dependencies`` of a pyproject.toml text (tomllib when available)."""
    try:
        import tomllib  # type: ignore[import-not-found]  # Python 3.11+ (mypy checks as 3.10)
    except ImportError:
        tomllib = None
    if tomllib is not None:
        return list(tomllib.loads(text).get("project", {}).get("dependencies", []))
    # Python 3.10: read the array of strings by hand (the only form the project uses).
    section = re.search(r"^\[project\]\s*$(.*?)(?=^\[|\Z)", text, re.MULTILINE | re.DOTALL)
    if section is None:
        return []
    array = re.search(r"^dependencies\s*=\s*\[(.*?)\]", section.group(1),
                      re.MULTILINE | re.DOTALL)
    if array is None:
        return []
    return re.findall(r"[\"']([^\"']+)[\"']", array.group(1))


def module_name(requirement):
    """The import name of a requirement string (``'duckdb>=1.1'`` -> ``'duckdb'``)."""
    name = re.split(r"[\s<>=!~;\[(@]", requirement.strip(), maxsplit=1)[0]
    name = name.lower()
    return _MODULE_NAMES.get(name, name.replace("-", "_").replace(".", "_"))


# --------------------------------------------------------------------------- check


def check(version=None, source=None, info=None, release=None, bridge=False):
    """Report on the running interpreter: its version and whether it runs the engine.

    With ``release`` (a MATLAB release) the interpreter must be one that release
    supports, with a shared libpython; the report then lists ``accepted`` versions.
    ``ready`` is true when ``scistack_engine`` imports at ``version`` (any version when
    None) together with its gateway and, when ``source`` is given, every module of the
    dependencies listed there. With ``bridge`` the report adds ``build``, the compiler
    facts of :func:`build_facts` (for GNU Octave's MEX bridge).
    """
    report = {"ok": True, "command": "check", "python": python_facts(info),
              "ready": False, "engine": {"version": "", "path": "", "error": ""},
              "missing": []}
    if bridge:
        report["build"] = build_facts()
    require_version(info)
    if release:
        report["accepted"] = ["%d.%d" % v for v in accepted_versions(release)]
        require_release_python(release, info)
        require_shared_library()
    engine = report["engine"]
    try:
        import scistack_engine
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        engine["error"] = "%s: %s" % (type(exc).__name__, exc)
        return report
    engine["version"] = str(getattr(scistack_engine, "__version__", ""))
    engine["path"] = os.path.dirname(os.path.abspath(scistack_engine.__file__))
    if version and engine["version"] != version:
        engine["error"] = ("scistack_engine %s is installed (from %s); the toolbox needs %s"
                           % (engine["version"], engine["path"], version))
        return report
    modules = [module_name(r) for r in read_requirements(source)] if source else []
    for module in modules:
        try:
            __import__(module)
        except Exception:  # noqa: BLE001 - reported, not raised
            report["missing"].append(module)
    try:
        __import__("scistack_engine.gateway")
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        engine["error"] = "%s: %s" % (type(exc).__name__, exc)
        return report
    if report["missing"]:
        engine["error"] = "missing modules: " + ", ".join(report["missing"])
        return report
    report["ready"] = True
    return report


# --------------------------------------------------------------------------- ensure


def environment_python(environment):
    """The interpreter of the virtual environment ``environment``."""
    if os.name == "nt":
        return os.path.join(environment, "Scripts", "python.exe")
    return os.path.join(environment, "bin", "python")


def run(command, log=None):
    """Run ``command``; return (exit status, combined output). Appends to ``log``.

    The working folder is the temporary folder, so that no module of the current folder
    shadows the ones the command imports. (Written for old interpreters too: ``choose``
    may run under one, and checks the other candidates from it.)
    """
    try:
        with open(os.devnull, "rb") as nothing:
            process = subprocess.Popen(command, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, stdin=nothing,
                                       cwd=tempfile.gettempdir())
            output = process.communicate()[0].decode("utf-8", "replace")
        status = process.returncode
    except OSError as exc:
        status, output = 127, "cannot run %s: %s" % (command[0], exc)
    if log is not None:
        with open(log, "a") as handle:
            handle.write("$ %s\n%s\n[exit status %d]\n\n" % (" ".join(command), output,
                                                          status))
    return status, output


def command_words(python):
    """The command that starts the candidate ``python``: the Windows launcher's
    ``'py -3.12'`` is two words, anything else one."""
    if re.match(r"^py -3\.\d+$", python):
        return python.split(" ")
    return [python]


def check_other(python, version, source, release=None, bridge=False):
    """Run ``check`` in another interpreter: (its report, ``''``), or (``None``, why
    there is no report: :func:`unrunnable`)."""
    command = command_words(python) + [os.path.abspath(__file__), "check", "--version",
                                       version, "--source", source]
    if release:
        command += ["--release", release]
    if bridge:
        command.append("--bridge")
    status, output = run(command)
    report = last_json(output)
    if report is None or "ok" not in report:
        return None, unrunnable(status, output)
    return report, ""


def last_json(output):
    """The last line of ``output`` that holds a JSON object, decoded (or None)."""
    for line in reversed(output.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                return None
    return None


def create_environment(environment, clear):
    """Create a virtual environment with pip at ``environment`` (``noVenv`` on failure)."""
    hint = ("install the venv module of this Python (Debian/Ubuntu: apt-get install "
            "python%d.%d-venv) or use another Python, e.g. from python.org or conda"
            % sys.version_info[:2])
    try:
        import ensurepip  # noqa: F401 - only its presence matters
        import venv
    except ImportError as exc:
        raise SetupError(
            NO_VENV,
            "the Python '%s' cannot create virtual environments (%s): %s"
            % (sys.executable, exc, hint), str(exc))
    try:
        builder = venv.EnvBuilder(with_pip=True, clear=clear, symlinks=(os.name != "nt"))
        builder.create(environment)
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "output", b"") or b""
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        raise SetupError(
            NO_VENV,
            "creating the virtual environment '%s' with '%s' failed (%s): %s"
            % (environment, sys.executable, exc, hint), detail or str(exc))
    if not os.path.isfile(environment_python(environment)):
        raise SetupError(NO_VENV, "the virtual environment '%s' has no Python after it "
                         "was created: %s" % (environment, hint))


def pip_failure(status, output, requirements, environment, log):
    """The ``SetupError`` for a failed pip run: ``noNetwork`` or ``pipFailed``."""
    errors = [line.strip() for line in output.splitlines()
              if line.strip().startswith("ERROR")]
    last = errors[-1] if errors else (output.strip().splitlines() or [""])[-1]
    detail = "\n".join(output.strip().splitlines()[-25:])
    if any(sign in output for sign in NETWORK_SIGNS):
        return SetupError(
            NO_NETWORK,
            "pip could not reach the Python package index to install %s (%s). Connect to "
            "the internet, or name a proxy or a package mirror, e.g. "
            "scistack.setup('PipOptions', {'--proxy', 'http://host:port'}) or "
            "{'--index-url', 'https://mirror/simple'}, then run scistack.setup again. "
            "pip's output is in %s" % (", ".join(requirements), last, log), detail)
    return SetupError(
        PIP_FAILED,
        "pip failed (exit status %d) to install %s into '%s': %s. pip's output is in %s; "
        "fix the cause and run scistack.setup again, or scistack.setup('Reinstall', true) "
        "to start from a fresh environment" % (status, ", ".join(requirements),
                                               environment, last, log), detail)


def link_engine(python, source):
    """Put the engine source on ``python``'s path with a .pth file; return its path."""
    status, output = run([python, "-c",
                          "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
    lines = output.strip().splitlines()
    if status != 0 or not lines:
        raise SetupError(ENGINE_MISSING, "cannot find the site-packages folder of '%s'"
                         % python, output)
    purelib = lines[-1].strip()
    if not os.path.isdir(purelib):
        os.makedirs(purelib)
    link = os.path.join(purelib, LINK_NAME)
    with open(link, "w") as handle:
        handle.write(os.path.abspath(source) + "\n")
    return link


def ensure(source, environment, version=None, reinstall=False, pip_options=(),
           info=None, pip=None, mex=None, rebuild=False):
    """Make the virtual environment ``environment`` run the engine of ``source``.

    Returns the report; raises ``SetupError``. ``pip`` replaces the function that runs
    pip (tests); it is called as ``pip(python, arguments, log)`` and returns
    ``(status, output)``. With ``mex`` (GNU Octave's MEX file) the report adds
    ``bridge``, the :func:`bridge_plan` for the environment's interpreter.
    """
    require_version(info)
    source = os.path.abspath(source)
    environment = os.path.abspath(os.path.expanduser(environment))
    wanted = version or source_version(source)
    found = source_version(source)
    if found != wanted:
        raise SetupError(
            ENGINE_SOURCE_MISSING,
            "the engine source '%s' is version %s but the toolbox is %s: reinstall the "
            "SciStack toolbox" % (source, found, wanted))
    requirements = read_requirements(source)
    python = environment_python(environment)
    if os.path.normcase(os.path.abspath(sys.prefix)) == os.path.normcase(environment):
        raise SetupError(
            BAD_ENVIRONMENT,
            "the Python '%s' belongs to the environment '%s' it is asked to prepare: run "
            "this with the Python the environment was made from ('%s')"
            % (sys.executable, environment, base_executable()))
    report = {"ok": True, "command": "ensure", "python": python_facts(info),
              "executable": python, "environment": environment,
              "log": os.path.join(environment, LOG_NAME), "requirements": requirements}

    is_venv = os.path.isfile(os.path.join(environment, "pyvenv.cfg"))
    in_the_way = not os.path.isdir(environment) or os.listdir(environment)
    if os.path.exists(environment) and not is_venv and in_the_way:
        raise SetupError(
            BAD_ENVIRONMENT,
            "'%s' exists and is not a virtual environment: pass another folder, e.g. "
            "scistack.setup('Environment', '/path/to/new/folder')" % environment)
    clear = bool(reinstall)
    if is_venv and not reinstall:
        current, _ = check_other(python, wanted, source, bridge=bool(mex))
        if current is not None and current.get("ready"):
            report["action"] = "reused"
            return with_bridge(report, current, mex, rebuild)
        if current is None or not current.get("ok"):
            clear = True  # its Python is gone or too old: start again
    create = clear or not is_venv
    if create:
        create_environment(environment, clear=clear)
        report["action"] = "created"
    else:
        report["action"] = "updated"

    log = report["log"]
    with open(log, "w") as handle:
        handle.write("scistack.setup: environment %s, engine %s from %s\n\n"
                     % (environment, wanted, source))
    with open(os.path.join(environment, REQUIREMENTS_NAME), "w") as handle:
        handle.write("".join(r + "\n" for r in requirements))
    if requirements:
        arguments = ["install", "--disable-pip-version-check", "--no-input",
                     "-r", os.path.join(environment, REQUIREMENTS_NAME)]
        arguments += list(pip_options)
        status, output = (pip or run_pip)(python, arguments, log)
        if status != 0:
            raise pip_failure(status, output, requirements, environment, log)
    report["link"] = link_engine(python, source)

    verified, problem = check_other(python, wanted, source, bridge=bool(mex))
    if verified is None or not verified.get("ready"):
        reason = problem if verified is None else verified["engine"]["error"]
        raise SetupError(
            ENGINE_MISSING,
            "the environment '%s' still cannot run the SciStack engine %s (%s). Run "
            "scistack.setup('Reinstall', true); if that fails too, see %s"
            % (environment, wanted, reason, log), reason)
    return with_bridge(report, verified, mex, rebuild)


def run_pip(python, arguments, log):
    """Run ``python -m pip ARGUMENTS``; (status, output)."""
    return run([python, "-m", "pip"] + list(arguments), log)


# --------------------------------------------------------------------------- bridge


def build_facts():
    """How to compile and link GNU Octave's MEX bridge against this interpreter.

    The flags come from the *base* interpreter's ``python3.X-config`` (a virtual
    environment has none of its own), or from ``sysconfig`` when that script is missing
    or fails. Returns ``version`` (``'3.11'``), ``libdir``, ``config`` (the script
    used, ``''`` for sysconfig), ``includes`` and ``ldflags`` (lists of flags).
    """
    import shlex
    import sysconfig

    version = "%d.%d" % sys.version_info[:2]
    facts = {"version": version, "libdir": sysconfig.get_config_var("LIBDIR") or ""}
    bindir = os.path.join(getattr(sys, "base_prefix", sys.prefix), "bin")
    for name in ("python%s-config" % version, "python3-config"):
        script = os.path.join(bindir, name)
        if os.path.isfile(script) and os.access(script, os.X_OK):
            try:
                includes = subprocess.check_output([script, "--includes"])
                ldflags = subprocess.check_output([script, "--embed", "--ldflags"])
            except (OSError, subprocess.CalledProcessError):
                continue
            facts.update(config=script, includes=includes.decode().split(),
                         ldflags=ldflags.decode().split())
            return facts
    paths = sysconfig.get_paths()
    includes = ["-I" + paths["include"]]
    if paths.get("platinclude") and paths["platinclude"] != paths["include"]:
        includes.append("-I" + paths["platinclude"])
    ldversion = sysconfig.get_config_var("LDVERSION") or version
    ldflags = (["-L" + facts["libdir"]] if facts["libdir"] else []) + ["-lpython" + ldversion]
    ldflags += shlex.split(sysconfig.get_config_var("LIBS") or "")
    ldflags += shlex.split(sysconfig.get_config_var("SYSLIBS") or "")
    facts.update(config="", includes=includes, ldflags=ldflags)
    return facts


def bridge_outdated(target, source, version):
    """True when the MEX file ``target`` is missing, older than its C ``source``, or
    linked to another libpython than ``version`` (``'3.11'``); the file names the
    libpython it links to, so reading it tells without loading it."""
    if not os.path.isfile(target):
        return True
    if os.path.getmtime(source) > os.path.getmtime(target):
        return True
    with open(target, "rb") as handle:
        return ("libpython%s." % version).encode() not in handle.read()


def bridge_plan(facts, executable, target, rebuild=False):
    """What ``scistack.setup`` does about the MEX file ``target`` for the interpreter
    ``executable`` whose :func:`build_facts` are ``facts``: ``build`` (rebuild asked
    for, or :func:`bridge_outdated`) and the ``arguments`` of ``mkoctfile`` that build
    it from ``bridge.c`` beside it (with an rpath to libpython's folder)."""
    source = os.path.join(os.path.dirname(target), "bridge.c")
    arguments = (["--mex", "-o", target] + list(facts["includes"]) + [source]
                 + list(facts["ldflags"]))
    if facts["libdir"]:
        arguments.append("-Wl,-rpath," + facts["libdir"])
    return {"build": bool(rebuild) or bridge_outdated(target, source, facts["version"]),
            "target": target, "arguments": arguments, "executable": executable,
            "version": facts["version"]}


def with_bridge(report, checked, mex, rebuild):
    """``report`` with the bridge plan for the interpreter of the check report
    ``checked`` (nothing added without ``mex``)."""
    if mex:
        report["bridge"] = bridge_plan(checked["build"], checked["python"]["executable"],
                                       mex, rebuild)
    return report


# --------------------------------------------------------------------------- choose


def default_environment():
    """``~/.scistack/venv``: in the home folder, not in MATLAB's per-release preference
    folder, so that a MATLAB upgrade (and GNU Octave) reuses it."""
    return os.path.join(os.path.expanduser("~"), ".scistack", "venv")


def same_folder(a, b):
    """Whether two folder paths name the same folder (trailing separators ignored)."""
    def tidy(path):
        return os.path.normcase(os.path.abspath(os.path.expanduser(path)))
    return tidy(a) == tidy(b)


def unrunnable(status, output):
    """Why a candidate gave no report: ``'not found'``, or its exit status and output."""
    text = output.strip()
    if status == 127 or re.search(r"not found|not recognized|No such file|cannot find", text):
        return "not found"
    if not text:
        return "exit status %d, no output" % status
    return "exit status %d: %s" % (status, " | ".join(text.splitlines()[-5:]))


class Chooser(object):
    """Check candidates for :func:`choose`: the one this process runs (``own``) is
    checked here, every other one by running ``check`` in it."""

    def __init__(self, own, version, source, release, bridge):
        self.own, self.version, self.source = own, version, source
        self.release, self.bridge = release, bridge

    def check(self, python):
        """(report or None, why there is none) for the candidate ``python``."""
        if python == self.own:
            try:
                return check(self.version, self.source, release=self.release,
                             bridge=self.bridge), ""
            except SetupError as exc:
                return {"ok": False, "error": exc.as_dict(), "python": python_facts()}, ""
        return check_other(python, self.version, self.source, self.release, self.bridge)


def failure(report):
    """The ``SetupError`` a failed report carries."""
    error = report.get("error") or {}
    return SetupError(error.get("identifier", HELPER_FAILED), error.get("message", ""),
                      error.get("detail", ""))


def chosen(python, action, candidate, version, environment="", log=""):
    return {"python": python, "action": action, "candidate": candidate, "version": version,
            "environment": environment, "log": log}


def choose_loaded(chooser, candidates, loaded, explicit, mex, rebuild):
    """A Python already runs in the session (``loaded``): use it if it can, never
    replace it (``restartNeeded``)."""
    current, problem = chooser.check(loaded)
    if current is None:
        raise SetupError(RESTART_NEEDED, "a Python already runs in this session ('%s') and "
                         "cannot be checked (%s): restart MATLAB or Octave and run "
                         "scistack.setup first" % (loaded, problem))
    running = current["python"]["executable"]
    if explicit and candidates:
        wanted, problem = chooser.check(candidates[0])
        if wanted is None:
            raise SetupError(NO_PYTHON, "cannot run the Python '%s' (%s)"
                             % (candidates[0], problem))
        if not wanted["ok"]:
            raise failure(wanted)
        if wanted["python"]["executable"] != running:
            raise SetupError(
                RESTART_NEEDED,
                "Python already runs in this session from '%s'; restart MATLAB (or Octave) "
                "and run scistack.setup('%s') before anything else uses Python"
                % (running, wanted["python"]["executable"]))
    if not current["ok"] or not current.get("ready"):
        reason = (current.get("engine") or {}).get("error") or \
            (current.get("error") or {}).get("message", "")
        raise SetupError(
            RESTART_NEEDED,
            "the Python running in this session ('%s') cannot run the SciStack engine %s "
            "(%s). Python cannot be replaced in a running session: restart MATLAB (or "
            "Octave) and run scistack.setup before anything else uses Python"
            % (running, chooser.version, reason))
    report = {"chosen": chosen(running, "loaded", loaded, current["python"]["version"])}
    return with_bridge(report, current, mex, rebuild)


def choose(candidates, version, source, release=None, environment=None, reinstall=False,
           pip_options=(), explicit=False, loaded=None, mex=None, rebuild=False, own=None):
    """Choose the Python the toolbox runs its engine on, from ``candidates`` in order.

    The first candidate that runs the engine is used as it is (``existing``), unless
    ``reinstall``; else the first of Python 3.10 or later (in MATLAB ``release``, one the
    release supports, with a shared libpython) is to make the virtual environment
    ``environment`` ready: the report then has ``prepare`` (``runner``: the candidate
    that runs ``ensure``, never the environment's own Python; ``arguments`` of this
    script; ``message``: what is being done) and the caller runs it. ``loaded`` names
    the Python that already runs in the session, which cannot be replaced
    (:func:`choose_loaded`). ``own`` is the candidate that runs this process (checked
    without starting another one); each other one that gives no report is named in the
    ``noPython`` message with why (:func:`unrunnable`).

    Returns ``{"chosen": {python, action, candidate, version, environment, log}}`` and,
    with ``mex``, ``bridge`` (:func:`bridge_plan`); raises ``SetupError``.
    """
    chooser = Chooser(own, version, source, release, bool(mex))
    if loaded:
        return choose_loaded(chooser, candidates, loaded, explicit, mex, rebuild)
    environment = os.path.abspath(os.path.expanduser(environment or default_environment()))
    tried, too_old, why = [], [], ""
    for candidate in candidates:
        report, problem = chooser.check(candidate)
        if report is None:
            tried.append("%s (%s)" % (candidate, problem))
            continue
        if not report["ok"]:
            identifier = (report.get("error") or {}).get("identifier")
            if identifier in (PYTHON_VERSION, NO_SHARED_LIBRARY) and \
                    not (explicit and len(candidates) == 1):
                too_old.append("%s (Python %s)" % (candidate,
                                                   report["python"].get("version", "?")))
                why = report["error"]["message"]
                continue
            raise failure(report)
        facts = report["python"]
        if report.get("ready") and not reinstall:
            found = {"chosen": chosen(facts["executable"], "existing", candidate,
                                      facts["version"])}
            return with_bridge(found, report, mex, rebuild)
        runner = candidate
        if facts.get("virtual") and same_folder(facts["prefix"], environment):
            runner = facts["base_executable"]
        arguments = ["ensure", "--source", source, "--environment", environment,
                     "--version", version] + (["--reinstall"] if reinstall else [])
        arguments += ["--pip-option=" + option for option in pip_options]
        arguments += (["--mex", mex] + (["--rebuild"] if rebuild else [])) if mex else []
        message = ("SciStack: preparing the Python environment %s from Python %s (%s); "
                   "installing the engine's dependencies from PyPI may take a few minutes"
                   % (environment, facts["version"], facts["executable"]))
        return {"chosen": chosen("", "", candidate, facts["version"]),
                "prepare": {"runner": runner, "arguments": arguments, "message": message}}
    if too_old:
        raise SetupError(
            PYTHON_VERSION,
            "found no Python SciStack can use here (it needs Python 3.10 or later, in "
            "MATLAB one this release supports), only %s. The last one: %s"
            % (", ".join(too_old), why))
    raise SetupError(
        NO_PYTHON,
        "no Python found (tried %s). Install Python 3.10 or later (python.org, conda, or "
        "your system's packages) and run scistack.setup('/path/to/python3')"
        % ", ".join(tried))


# --------------------------------------------------------------------------- settings

#: The fields of the settings file ``scistack.setup`` writes (``setup_python``'s OPTIONS
#: and the candidates), by the ``choose`` argument each one sets.
SETTINGS = {"Candidates": "candidates", "Explicit": "explicit", "Loaded": "loaded",
            "Environment": "environment", "Reinstall": "reinstall",
            "PipOptions": "pip_options", "Mex": "mex", "Rebuild": "rebuild",
            "Version": "version", "Source": "source", "Release": "release"}
#: The options of ``scistack.setup(..., NAME, VALUE)``; names match without regard to case.
SETUP_OPTIONS = ("Environment", "Reinstall", "PipOptions", "Rebuild")


def setting_value(name, value):
    """A setting as ``choose`` takes it: text lists (``PipOptions``, ``Candidates``) from
    one text or a list of them, flags from true/false or a number, text as text."""
    if name in ("PipOptions", "Candidates"):
        values = [value] if not isinstance(value, list) else value
        if not all(isinstance(v, str) for v in values):
            raise SetupError(BAD_ARGUMENTS, "'%s' takes text, or a cell array of text "
                             "(for example {'--proxy', 'http://proxy:8080'})" % name)
        return list(values)
    if name in ("Explicit", "Reinstall", "Rebuild"):
        if not isinstance(value, (bool, int, float)):
            raise SetupError(BAD_ARGUMENTS, "'%s' takes true or false" % name)
        return bool(value)
    if not isinstance(value, str):
        raise SetupError(BAD_ARGUMENTS, "'%s' takes text (a path or a name)" % name)
    return value or None


def read_settings(path):
    """The ``choose`` arguments in the settings file ``path`` that ``scistack.setup``
    wrote: a JSON object of ``SETTINGS`` fields, and ``Options``, the name/value pairs
    given to ``scistack.setup`` (``SETUP_OPTIONS``), which replace the fields they name.
    Any other field or option name is ``badArguments``."""
    with open(path) as handle:
        given = json.load(handle)
    settings = {}
    for field, value in given.items():
        if field not in SETTINGS and field != "Options":
            raise SetupError(BAD_ARGUMENTS, "unknown option '%s'" % field)
        if field != "Options":
            settings[SETTINGS[field]] = setting_value(field, value)
    pairs = given.get("Options") or []
    for k in range(0, len(pairs) - 1, 2):
        names = [o for o in SETUP_OPTIONS if o.lower() == str(pairs[k]).lower()]
        if not names:
            raise SetupError(BAD_ARGUMENTS, "unknown option '%s' (known: %s)"
                             % (pairs[k], ", ".join(SETUP_OPTIONS)))
        settings[SETTINGS[names[0]]] = setting_value(names[0], pairs[k + 1])
    return settings


# --------------------------------------------------------------------------- CLI


def parse(argv):
    import argparse

    parser = argparse.ArgumentParser(
        prog="setup_support.py",
        description="Prepare the Python environment of SciStack's toolbox (JSON report).")
    commands = parser.add_subparsers(dest="command")
    probe = commands.add_parser("check", help="report on this Python")
    probe.add_argument("--version", default=None, help="the engine version wanted")
    probe.add_argument("--source", default=None, help="the engine source folder")
    probe.add_argument("--release", default=None,
                       help="the MATLAB release that will load this Python (R2023b)")
    probe.add_argument("--bridge", action="store_true",
                       help="add the compiler facts of GNU Octave's MEX bridge")
    make = commands.add_parser("ensure", help="make a virtual environment ready")
    make.add_argument("--source", required=True, help="the engine source folder")
    make.add_argument("--environment", required=True, help="the virtual environment")
    make.add_argument("--version", default=None, help="the engine version wanted")
    make.add_argument("--reinstall", action="store_true",
                      help="recreate the environment and reinstall everything")
    make.add_argument("--pip-option", action="append", default=[], dest="pip_options",
                      help="an extra argument for pip install (repeatable)")
    pick = commands.add_parser("choose", help="choose the Python among candidates")
    pick.add_argument("--settings", default=None,
                      help="a JSON file of scistack.setup's settings (read_settings)")
    pick.add_argument("--runner", default=None, help="the candidate that runs this script")
    pick.add_argument("--version", default=None,
                      help="the engine version wanted (default: the source's)")
    pick.add_argument("--source", default=None, help="the engine source folder")
    pick.add_argument("--release", default=None, help="the MATLAB release (R2023b)")
    pick.add_argument("--environment", default=None, help="the virtual environment")
    pick.add_argument("--reinstall", action="store_true",
                      help="pass over Pythons that run the engine; recreate the environment")
    pick.add_argument("--pip-option", action="append", default=[], dest="pip_options",
                      help="an extra argument for pip install (repeatable)")
    pick.add_argument("--explicit", action="store_true",
                      help="the first candidate was named by the user")
    pick.add_argument("--loaded", default=None,
                      help="the Python already running in the session (runs this script)")
    pick.add_argument("candidates", nargs="*", help="the candidates in order")
    build = commands.add_parser("bridge", help="plan the MEX bridge for this Python")
    for command in (make, pick, build):
        command.add_argument("--mex", default=None, required=command is build,
                             help="GNU Octave's MEX file: add the plan to build it")
        command.add_argument("--rebuild", action="store_true",
                             help="build the MEX file even when it is up to date")
    args = parser.parse_args(argv)
    if args.command is None:
        parser.error("a command is needed: check, ensure, choose or bridge")
    return args


def run_command(args):
    """The report of the parsed command line ``args``; raises ``SetupError``."""
    if args.command == "check":
        return check(args.version, args.source, release=args.release, bridge=args.bridge)
    if args.command == "ensure":
        return ensure(args.source, args.environment, args.version, args.reinstall,
                      args.pip_options, mex=args.mex, rebuild=args.rebuild)
    if args.command == "bridge":
        report = {"ok": True, "command": "bridge", "python": python_facts()}
        checked = {"build": build_facts(), "python": report["python"]}
        return with_bridge(report, checked, args.mex, args.rebuild)
    if args.settings:
        vars(args).update(read_settings(args.settings))
    if not args.source:
        raise SetupError(BAD_ARGUMENTS, "choose needs the engine source")
    args.version = args.version or source_version(args.source)
    own = args.loaded or args.runner or (args.candidates[0] if args.candidates else None)
    report = choose(args.candidates, args.version, args.source, args.release,
                    args.environment, args.reinstall, args.pip_options, args.explicit,
                    args.loaded, args.mex, args.rebuild, own)
    report.update(ok=True, command="choose", python=python_facts())
    return report


def report_for(args):
    """The report of the parsed command line ``args``, every failure included."""
    try:
        report = run_command(args)
    except SetupError as exc:
        report = {"ok": False, "command": args.command, "error": exc.as_dict()}
    except Exception as exc:  # noqa: BLE001 - every failure becomes a report
        import traceback

        report = {"ok": False, "command": args.command,
                  "error": {"identifier": HELPER_FAILED,
                            "message": "SciStack's setup helper failed unexpectedly "
                                       "(%s: %s)" % (type(exc).__name__, exc),
                            "detail": traceback.format_exc()}}
    if not report.get("ok"):
        report.setdefault("python", python_facts())
        report["error"] = raised_error(report.get("error"))
    return report


def raised_error(error):
    """The error a failed report carries as the toolbox raises it: its own identifier
    when it is one of :data:`IDENTIFIERS`, else ``helperFailed`` naming it, and always a
    message."""
    error = dict(error) if isinstance(error, dict) else {}
    identifier = str(error.get("identifier") or "")
    message = str(error.get("message") or "")
    if identifier not in IDENTIFIERS:
        message = "SciStack's setup helper failed (%s): %s" % (identifier, message)
        identifier = HELPER_FAILED
    error.update(identifier=identifier,
                 message=message or "SciStack's setup helper failed without saying why")
    return error


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    # Run as a script, this file's folder (the engine package) is sys.path[0]: drop it
    # so that the engine's modules never shadow others.
    if sys.path and os.path.abspath(sys.path[0] or os.curdir) == here:
        del sys.path[0]
    report = report_for(parse(sys.argv[1:] if argv is None else argv))
    sys.stdout.write(json.dumps(report, sort_keys=True) + "\n")
    sys.stdout.flush()
    return 0 if report.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())
