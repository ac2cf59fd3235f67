"""The MATLAB fingerprint's engine side: closure walk, name batches, stamps and the digest.

:class:`scistack_engine.matlab_fingerprint.Fingerprints` is driven here as MATLAB drives it
(``fingerprint.m``): a request describes the handle, a ``resolve`` reply lists the names
MATLAB must resolve with ``which``, and the next request carries what it found. The
"which" of these tests is a dictionary of files written to a temporary folder.
"""

from __future__ import annotations

import os
import pathlib
import sys
import time

import numpy as np
import pytest

from scistack_engine.errors import FingerprintError
from scistack_engine.hashing import content_hash
from scistack_engine.matlab_code import read_source
from scistack_engine.matlab_fingerprint import (
    Fingerprints,
    file_label,
    is_user_file,
    library_roots,
    under_roots,
)

LIBRARY = "/opt/matlab/"


class Matlab:
    """What fingerprint.m does: describe, resolve names in batches, repeat until a digest."""

    def __init__(self, folder: pathlib.Path) -> None:
        self.folder = folder
        self.engine = Fingerprints()
        self.rounds: list[list[str]] = []
        self.rehashes = 0

    def which(self, name: str) -> str:
        if name in ("sum", "max"):
            return f"{LIBRARY}{name}.m"
        head, dot, tail = name.partition(".")
        file = self.folder / f"+{head}" / f"{tail}.m" if dot else self.folder / f"{name}.m"
        return str(file) if file.is_file() else ""

    def fingerprint(self, kind: str, text: str, file: str = "", local: str = "",
                    workspace: dict | None = None) -> dict:
        request: dict = {"handle": "\0".join([kind, text, file, local]), "info": True,
                         "path": str(self.folder), "pwd": str(self.folder)}
        if workspace is not None:
            request["workspace"] = workspace
        reply = self.engine.request(request)
        while "digest" not in reply:
            if reply["libraries"]:
                request["libraries"] = {"roots": [LIBRARY], "fold_case": False}
            self.rehashes += reply["rehash"]
            self.rounds.append(reply["resolve"])
            request["names"] = reply["resolve"]
            request["found"] = [self.which(n) for n in reply["resolve"]]
            reply = self.engine.request(request)
        return reply


def write(folder: pathlib.Path, name: str, *lines: str) -> pathlib.Path:
    path = folder / f"{name}.m"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    past = time.time() - 10  # not racy: its stamp alone decides
    os.utime(path, (past, past))
    return path


def function_digest(name: str, *files: pathlib.Path) -> str:
    """The digest as fingerprint.m computed it: the sorted table of labels and codes."""
    rows = sorted(((file_label(str(f)), read_source(str(f)).code) for f in files),
                  key=lambda row: row[0] + "\n" + row[1])
    table = np.empty((len(rows), 2), dtype=object)
    for k, row in enumerate(rows):
        table[k, 0], table[k, 1] = row
    return content_hash({"scheme": "scistack-matlab-function-v1", "function": name,
                         "files": table})


@pytest.fixture()
def matlab(tmp_path: pathlib.Path) -> Matlab:
    write(tmp_path, "main", "function y = main(x)", "% help", "y = helper(x) + sum(x);",
          "end")
    write(tmp_path, "helper", "function y = helper(x)", "y = 2 * main(x);", "end")
    return Matlab(tmp_path)


def test_a_named_function_and_the_user_functions_it_calls(matlab):
    main, helper = matlab.folder / "main.m", matlab.folder / "helper.m"
    reply = matlab.fingerprint("simple", "@main", str(main))
    assert reply["name"] == "main"
    assert reply["files"] == [str(main), str(helper)]  # the cycle back to main is fine
    assert reply["digest"] == function_digest("main", main, helper)


def test_names_are_resolved_in_batches_and_kept(matlab):
    matlab.fingerprint("simple", "@main", str(matlab.folder / "main.m"))
    assert matlab.rounds == [[], ["helper", "sum", "x", "y"], ["main"]]
    assert matlab.rehashes == 1
    matlab.rounds.clear()
    matlab.fingerprint("simple", "@main", str(matlab.folder / "main.m"))
    assert matlab.rounds == [], "a repeated call is answered without resolving anything"


def test_library_functions_are_named_not_followed(matlab):
    reply = matlab.fingerprint("simple", "@sum")
    assert reply["files"] == []
    assert reply["digest"] == content_hash({"scheme": "scistack-matlab-library-v1",
                                            "function": "sum"})


def test_editing_a_helper_changes_the_digest_and_editing_back_restores_it(matlab):
    main = str(matlab.folder / "main.m")
    before = matlab.fingerprint("simple", "@main", main)["digest"]
    write(matlab.folder, "helper", "function y = helper(x)", "y = 3 * x;", "end")
    changed = matlab.fingerprint("simple", "@main", main)
    assert changed["digest"] != before
    assert len(changed["files"]) == 2
    write(matlab.folder, "helper", "function y = helper(x)", "% a comment", "y = 2 * main(x);",
          "end")
    assert matlab.fingerprint("simple", "@main", main)["digest"] == before


def test_a_file_written_just_now_is_read_again_at_the_next_call(matlab):
    main = matlab.folder / "main.m"
    matlab.fingerprint("simple", "@main", str(main))
    main.write_text("function y = main(x)\ny = x;\nend\n", encoding="utf-8")
    first = matlab.fingerprint("simple", "@main", str(main))
    assert first["files"] == [str(main)]
    stamp = os.stat(main)
    main.write_text("function y = main(x)\ny = -x;\nend\n", encoding="utf-8")
    os.utime(main, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))  # the same time and size
    assert matlab.fingerprint("simple", "@main", str(main))["digest"] != first["digest"]


def test_a_new_function_file_in_a_watched_folder_is_found(matlab):
    write(matlab.folder, "caller", "function y = caller(x)", "y = later(x);", "end")
    caller = str(matlab.folder / "caller.m")
    assert matlab.fingerprint("simple", "@caller", caller)["files"] == [caller]
    write(matlab.folder, "later", "function y = later(x)", "y = x;", "end")
    os.utime(matlab.folder, (time.time() + 5, time.time() + 5))  # the folder's time changes
    rehashes = matlab.rehashes
    assert matlab.fingerprint("simple", "@caller", caller)["files"] == \
        [caller, str(matlab.folder / "later.m")]
    assert matlab.rehashes == rehashes + 1


def test_package_and_private_functions(matlab):
    write(matlab.folder / "+pkg", "twice", "function y = twice(x)", "y = 2 * x;", "end")
    write(matlab.folder / "private", "offset", "function y = offset()", "y = 1;", "end")
    write(matlab.folder, "user", "function y = user(x)", "y = pkg.twice(x) + offset();",
          "end")
    reply = matlab.fingerprint("simple", "@user", str(matlab.folder / "user.m"))
    assert sorted(file_label(f) for f in reply["files"]) == ["pkg.twice", "private/offset",
                                                              "user"]


def test_anonymous_functions_hash_their_text_code_and_captured_values(matlab):
    reply = matlab.fingerprint("anonymous", "@(x) main (x) + k", workspace={"k": 3.0})
    assert reply["name"] == "@(x)main(x)+k"
    code = function_digest("", matlab.folder / "main.m", matlab.folder / "helper.m")
    assert reply["digest"] == content_hash({"scheme": "scistack-matlab-anonymous-v1",
                                            "text": "@(x)main(x)+k", "code": code,
                                            "workspace": {"k": 3.0}})
    other = matlab.fingerprint("anonymous", "@(x) main (x) + k", workspace={"k": 4.0})
    assert other["digest"] != reply["digest"]
    plain = matlab.fingerprint("anonymous", "@(x) x + 1")
    assert plain["digest"] == content_hash({"scheme": "scistack-matlab-anonymous-v1",
                                            "text": "@(x)x+1", "code": "", "workspace": {}})


def test_local_functions_are_named_after_their_file(matlab):
    main = str(matlab.folder / "main.m")
    assert matlab.fingerprint("scopedfunction", "inner", main, "inner")["name"] == "main>inner"


def test_what_cannot_be_fingerprinted(matlab):
    with pytest.raises(FingerprintError, match="nested function"):
        matlab.fingerprint("nested", "inner")
    with pytest.raises(FingerprintError, match="does not exist"):
        matlab.fingerprint("simple", "@gone", str(matlab.folder / "gone.m"))
    with pytest.raises(FingerprintError, match="no content hash"):
        matlab.fingerprint("anonymous", "@(x) x + k", workspace={"k": object()})


def test_labels_are_package_qualified_names():
    assert file_label("/a/b/helper.m") == "helper"
    assert file_label("/a/+pkg/+sub/fn.m") == "pkg.sub.fn"
    assert file_label("C:\\code\\private\\helper.m") == "private/helper"
    assert file_label("/a/@Gain/apply.m") == "@Gain/apply"


def test_library_folders_compare_without_case_where_the_platform_does():
    roots = ["C:\\Program Files\\MATLAB\\R2024a\\"]
    file = "c:\\program files\\matlab\\R2024A\\toolbox\\signal\\bandpass.m"
    assert under_roots(file, roots, True)
    assert not under_roots(file, roots, False)
    assert not under_roots("C:\\Program Files\\MATLAB\\R2024", roots, True)


@pytest.mark.skipif(os.name == "nt", reason="POSIX separators")
def test_octave_s_library_folders_and_the_toolbox_packages(tmp_path):
    toolbox = tmp_path / "toolbox"
    for name in ("+scidb", "+scistack", "examples", "doc"):
        (toolbox / name).mkdir(parents=True)
    found = library_roots({"octave_home": "/usr", "folders": ["/pkg", "/pkg/", ""],
                           "toolbox": str(toolbox), "fold_case": False, "addons": False})
    assert found == {"fold_case": False, "roots": sorted([
        "/pkg/", "/usr/share/octave/", "/usr/lib/", "/usr/lib64/", "/usr/libexec/",
        f"{toolbox}/+scidb/", f"{toolbox}/+scistack/"])}


@pytest.mark.skipif(os.name == "nt", reason="POSIX separators")
def test_matlab_s_add_on_folder_is_its_setting_or_the_platform_default(monkeypatch):
    facts = {"folders": ["/opt/MATLAB/R2024a"], "addons": True, "addon_folder": "/addons",
             "fold_case": True}
    assert library_roots(facts) == {"roots": ["/addons/", "/opt/MATLAB/R2024a/"],
                                    "fold_case": True}
    monkeypatch.setenv("HOME", "/home/me")
    monkeypatch.setattr(sys, "platform", "linux")
    assert "/home/me/MATLAB Add-Ons/" in library_roots({**facts, "addon_folder": ""})["roots"]
    monkeypatch.setattr(sys, "platform", "darwin")
    assert "/home/me/Library/Application Support/MathWorks/MATLAB Add-Ons/" in \
        library_roots({**facts, "addon_folder": ""})["roots"]
    assert library_roots({**facts, "addons": False})["roots"] == ["/opt/MATLAB/R2024a/"]


def test_user_files_are_absolute_m_files_outside_the_libraries():
    assert is_user_file("/work/f.m", [LIBRARY], False)
    assert is_user_file("D:\\work\\f.m", [LIBRARY], False)
    assert not is_user_file("f.m", [LIBRARY], False)
    assert not is_user_file("/work/f.mexa64", [LIBRARY], False)
    assert not is_user_file(f"{LIBRARY}f.m", [LIBRARY], False)
