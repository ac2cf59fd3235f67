"""Report how to build and start SciStack's Octave bridge for this Python.

Run by scistack.internal.build_bridge (GNU Octave) as `<python> bridge_probe.py`; prints
one `key<TAB>value` line per fact. The compiler flags come from the *base* interpreter's
python3-config (a virtual environment has none of its own), or from sysconfig when that
script is missing.
"""

import os
import shlex
import subprocess
import sys
import sysconfig


def config_flags():
    version = "%d.%d" % sys.version_info[:2]
    bindir = os.path.join(sys.base_prefix, "bin")
    for name in ("python%s-config" % version, "python3-config"):
        script = os.path.join(bindir, name)
        if os.path.isfile(script) and os.access(script, os.X_OK):
            try:
                includes = subprocess.check_output([script, "--includes"], text=True)
                ldflags = subprocess.check_output([script, "--embed", "--ldflags"], text=True)
                return script, includes.split(), ldflags.split()
            except (OSError, subprocess.CalledProcessError):
                pass
    paths = sysconfig.get_paths()
    includes = ["-I" + paths["include"]]
    if paths.get("platinclude") and paths["platinclude"] != paths["include"]:
        includes.append("-I" + paths["platinclude"])
    libdir = sysconfig.get_config_var("LIBDIR") or ""
    ldversion = sysconfig.get_config_var("LDVERSION") or version
    ldflags = (["-L" + libdir] if libdir else []) + ["-lpython" + ldversion]
    ldflags += shlex.split(sysconfig.get_config_var("LIBS") or "")
    ldflags += shlex.split(sysconfig.get_config_var("SYSLIBS") or "")
    return "", includes, ldflags


def main():
    script, includes, ldflags = config_flags()
    facts = {
        "executable": sys.executable,
        "version": "%d.%d" % sys.version_info[:2],
        "base_prefix": sys.base_prefix,
        "shared": str(sysconfig.get_config_var("Py_ENABLE_SHARED") or 0),
        "libdir": sysconfig.get_config_var("LIBDIR") or "",
        "config": script,
        "includes": "\x1f".join(includes),
        "ldflags": "\x1f".join(ldflags),
    }
    try:
        import scistack_engine

        facts["engine"] = scistack_engine.__version__
        facts["engine_error"] = ""
    except Exception as exc:  # noqa: BLE001 - reported to Octave, not raised
        facts["engine"] = ""
        facts["engine_error"] = "%s: %s" % (type(exc).__name__, exc)
    for key, value in facts.items():
        print("%s\t%s" % (key, value.replace("\n", " ")))


if __name__ == "__main__":
    main()
