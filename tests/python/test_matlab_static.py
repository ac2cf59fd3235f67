"""Static checks of the MATLAB code: both dialects parse it, and it stays portable.

No MATLAB and no Octave needed: MISS_HIT parses the toolbox as MATLAB R2021a and as GNU
Octave 7.2, checks its style against ``miss_hit.cfg``, and ``tools/check_portability.py``
keeps MATLAB-only constructs in the allow-listed adapter files. The help-text checks
hold every toolbox function to its H1 line, usage and example.
"""

from __future__ import annotations

import importlib.util
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
TOOLBOX = ROOT / "toolbox"
MATLAB_TESTS = ROOT / "tests" / "matlab"


def _load_checker():
    spec = importlib.util.spec_from_file_location(
        "check_portability", ROOT / "tools" / "check_portability.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


checker = _load_checker()


def _miss_hit(tool: str, *args: str) -> subprocess.CompletedProcess:
    module = {"mh_lint": "miss_hit.mh_lint", "mh_style": "miss_hit_core.mh_style",
              "mh_metric": "miss_hit_core.mh_metric"}[tool]
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )


def _assert_clean(result: subprocess.CompletedProcess) -> None:
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "everything seems fine" in output, output


# ------------------------------------------------------------------------ MISS_HIT


def _octave_run_matlab_paths() -> list:
    """tests/matlab without matlab_only/, whose examples use MATLAB's name=value syntax."""
    return [str(p.relative_to(ROOT)) for p in sorted((ROOT / "tests" / "matlab").iterdir())
            if p.name != "matlab_only" and (p.is_dir() or p.suffix == ".m")]


def test_mh_lint_parses_toolbox_and_tests_as_matlab_2021a():
    _assert_clean(_miss_hit("mh_lint", "--matlab", "2021a", "toolbox", *_octave_run_matlab_paths()))


def test_mh_lint_parses_matlab_only_examples_as_matlab_2021a():
    # These files are written as MATLAB users write them, with name=value arguments;
    # MISS_HIT parses them and only advises against that syntax (check name_value_pairs).
    result = _miss_hit("mh_lint", "--matlab", "2021a", "tests/matlab/matlab_only")
    output = result.stdout + result.stderr
    findings = [line for line in output.splitlines()
                if re.search(r"\^ (check|error|warning|lex error)", line)]
    assert findings, output  # the name=value examples are there and were read
    assert all("[name_value_pairs]" in line for line in findings), output


def test_mh_lint_parses_toolbox_as_octave_7_2():
    _assert_clean(_miss_hit("mh_lint", "--octave", "7.2", "toolbox"))


def test_mh_style_follows_miss_hit_cfg():
    _assert_clean(_miss_hit("mh_style", "toolbox", "tests/matlab"))


def test_mh_metric_keeps_functions_within_the_limits_of_miss_hit_cfg():
    _assert_clean(_miss_hit("mh_metric", "--ci", "toolbox", "tests/matlab"))


def test_mh_metric_limits_catch_a_function_over_them(tmp_path):
    # miss_hit.cfg's limits, applied to a copy of it beside a function of 170 lines
    shutil.copy(ROOT / "miss_hit.cfg", tmp_path / "miss_hit.cfg")
    body = "".join(f"    y = y + {i};\n" for i in range(170))
    (tmp_path / "too_long.m").write_text(
        f"function y = too_long(y)\n% TOO_LONG  A function over the limit.\n{body}end\n")
    result = subprocess.run([sys.executable, "-m", "miss_hit_core.mh_metric", "--ci", "."],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "function_length" in output and "too_long" in output, output


# ------------------------------------------------------------------- portability


def test_toolbox_and_matlab_tests_are_portable():
    findings = checker.check_paths([TOOLBOX, MATLAB_TESTS])
    assert not findings, "\n".join(map(str, findings))


def test_checker_cli_exits_zero_on_the_tree():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "check_portability.py")],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def _messages(source: str, allowed=frozenset()) -> list[str]:
    return [f.message for f in checker.check_source(source, "snippet.m", allowed)]


def test_checker_flags_double_quoted_literals():
    (message,) = _messages("x = \"pre\";\n")
    assert "double-quoted" in message
    assert _messages("x = 'say \"hi\"';\n") == []
    assert _messages("% a \"quoted\" comment\nx = 1;\n") == []


def test_checker_flags_arguments_blocks():
    source = "function y = f(x)\narguments\n    x double\nend\ny = x;\nend\n"
    assert any("arguments block" in m for m in _messages(source))


def test_checker_flags_name_value_syntax_but_not_class_attributes():
    (message,) = _messages("y = f(x, subject=1);\n")
    assert "name=value" in message
    classdef = ("classdef K < handle\n    properties (Access = private)\n        a = 1\n"
                "    end\n    methods (Static, Access = public)\n        function r = g()\n"
                "            r = 1;\n        end\n    end\nend\n")
    assert _messages(classdef) == []


@pytest.mark.parametrize("name", ["string", "table", "datetime", "categorical", "contains",
                                  "dictionary", "strings", "pyenv"])
def test_checker_flags_names_octave_lacks(name):
    (message,) = _messages(f"y = {name}(x);\n")
    assert f"'{name}'" in message


def test_checker_allows_fields_chars_variables_and_listed_files():
    assert _messages("y = s.string + s.table;\n") == []
    assert _messages("c = {'string', 'table'};\n") == []
    assert _messages("days = 3;\ny = days + 1;\n") == []
    assert _messages("function r = f(seconds)\nr = seconds;\nend\n") == []
    assert _messages("y = py.numpy.ones(3);\n") != []
    assert _messages("y = py.numpy.ones(3);\n", frozenset({"py"})) == []
    assert _messages("y = string(x) + table(x);\n", frozenset({"*"})) == []
    assert _messages("y = \"x\";\n", frozenset({"*"})) != []  # never allowed


def test_checker_reports_unreadable_files():
    (message,) = _messages("x = 'unterminated\n")
    assert "cannot read" in message


def test_allow_list_names_existing_files_that_need_it():
    for rel, allowed in checker.MATLAB_ONLY_FILES.items():
        path = ROOT / rel
        assert path.is_file(), f"allow-listed file {rel} does not exist"
        unrestricted = checker.check_source(path.read_text(encoding="utf-8"), rel)
        assert unrestricted, f"{rel} uses nothing MATLAB-only: drop it from the allow-list"
        if "*" not in allowed:
            used = {re.search(r"'(\w+)'", f.message).group(1) for f in unrestricted}
            assert used <= allowed, (rel, used)


def test_matlab_only_test_folder_is_skipped(tmp_path, monkeypatch):
    monkeypatch.setattr(checker, "ROOT", tmp_path)
    only = tmp_path / checker.MATLAB_ONLY_DIRS[0]
    only.mkdir(parents=True)
    (only / "test_tables.m").write_text('t = table(1, "a");\n')
    portable = only.parent / "test_portable.m"
    portable.write_text("x = 1;\n")
    assert checker.check_paths([tmp_path / "tests" / "matlab"]) == []
    portable.write_text('x = "1";\n')
    assert len(checker.check_paths([tmp_path / "tests" / "matlab"])) == 1


# ------------------------------------------------------------------------ help


def _toolbox_files() -> list[pathlib.Path]:
    return sorted(p for p in TOOLBOX.rglob("*.m") if p.name != "Contents.m")


def _help_block(path: pathlib.Path) -> list[str]:
    """The first comment block after the function or classdef line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines)
                 if re.match(r"\s*(function|classdef)\b", line))
    block = []
    for line in lines[start + 1:]:
        if not line.strip().startswith("%"):
            break
        block.append(line.strip().lstrip("%"))
    return block


@pytest.mark.parametrize("path", _toolbox_files(), ids=lambda p: str(p.relative_to(TOOLBOX)))
def test_toolbox_function_has_help_text(path):
    block = _help_block(path)
    assert block, f"{path.name}: no help text after the function line"
    name = path.stem.upper()
    assert re.match(rf"{re.escape(name)}\s+\S", block[0]), (
        f"{path.name}: the H1 line must start with {name} and a one-line summary"
    )
    text = "\n".join(block)
    assert re.search(rf"\b{re.escape(path.stem)}\(", text), (
        f"{path.name}: the help text shows no usage ({path.stem}(...))"
    )
    assert "Example" in text, f"{path.name}: the help text has no example"


def test_every_toolbox_package_has_contents():
    packages = [p for p in TOOLBOX.rglob("+*") if p.is_dir()]
    assert packages
    for package in packages:
        contents = package / "Contents.m"
        assert contents.is_file(), f"{package.relative_to(ROOT)} has no Contents.m"
        listed = contents.read_text(encoding="utf-8")
        for function in package.glob("*.m"):
            if function.name != "Contents.m":
                assert re.search(rf"\b{function.stem}\b", listed), (
                    f"{contents.relative_to(ROOT)} does not list {function.stem}"
                )
