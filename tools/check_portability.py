#!/usr/bin/env python3
"""Keep SciStack's MATLAB code inside the subset that both MATLAB and GNU Octave run.

The toolbox must run unchanged in MATLAB (R2022b and later) and in GNU Octave 7. Both
parse a few constructs differently or not at all, and `mh_lint` (which checks that each
dialect *parses* a file) does not notice most of them. This checker reads every `.m` file
with MISS_HIT's MATLAB lexer and reports:

* double-quoted literals (`"pre"`): a string in MATLAB but a char array in Octave, so
  `["pre", "post"]` silently means two different things;
* `arguments` blocks: Octave 7 cannot parse them (or ignores them);
* name=value arguments (`f(x, subject=1)`): Octave assigns `subject` in the caller and
  passes only the value;
* calls to functions and classes Octave does not have (`string`, `table`, `datetime`,
  `categorical`, `contains`, `dictionary`, `py.`, ...).

MATLAB-only code is allowed in the files listed in `MATLAB_ONLY_FILES` (the toolbox's
adapter files), each for the names listed there; folders in `MATLAB_ONLY_DIRS` (tests
that run only in MATLAB) are not checked. Double quotes, `arguments` and name=value are
refused everywhere else in the checked folders.

Usage::

    python tools/check_portability.py [PATH ...]     # default: toolbox tests/matlab

Exit status 0 when nothing is found, 1 otherwise; findings print as
`path:line:column: message`.
"""

from __future__ import annotations

import argparse
import dataclasses
import pathlib
import sys
from collections.abc import Iterable

from miss_hit_core.errors import Message_Handler
from miss_hit_core.m_lexer import MATLAB_Latest_Language, MATLAB_Lexer

ROOT = pathlib.Path(__file__).resolve().parent.parent

#: What the checker reads when given no paths (relative to the repository root).
DEFAULT_PATHS = ("toolbox", "tests/matlab")

ANY_NAME = frozenset({"*"})

#: Files that may use MATLAB-only names, and which ones ("*": every denied name). Keep
#: this list short: a MATLAB-only branch belongs in a small adapter file of its own.
MATLAB_ONLY_FILES: dict[str, frozenset[str]] = {
    # pyenv, the engine import check and MATLAB's py. calls of the transport
    "toolbox/+scistack/+internal/setup_matlab.m": frozenset({"py", "pyenv", "contains"}),
    # string, table, datetime, duration and categorical in the wire codec
    "toolbox/+scistack/+internal/encode_matlab_only.m": ANY_NAME,
    "toolbox/+scistack/+internal/decode_matlab_only.m": ANY_NAME,
}

#: Folders whose files run only in MATLAB, or emulate MATLAB's classes for GNU Octave
#: (tests/matlab/matlab_semantics): not checked (mh_lint --matlab still parses them).
MATLAB_ONLY_DIRS = ("tests/matlab/matlab_only", "tests/matlab/matlab_semantics")

#: Functions and classes GNU Octave 7.3 does not have (checked with `exist` in Octave).
DENIED_NAMES: frozenset[str] = frozenset(
    """
    string strings isStringScalar strlength convertStringsToChars convertCharsToStrings
    contains replace insertAfter extractBetween extractAfter extractBefore pad strip
    join compose splitlines
    table timetable tabular array2table cell2table struct2table table2struct table2cell
    table2array istable istimetable height width rowfun varfun innerjoin outerjoin
    groupsummary readtable writetable readmatrix writematrix readcell writecell
    datetime NaT isnat isdatetime posixtime convertTo timeofday dateshift tzoffset
    exceltime juliandate yyyymmdd
    duration calendarDuration isduration milliseconds seconds minutes hours days years
    caldays calmonths
    categorical categories iscategorical isordinal isundefined
    missing ismissing rmmissing
    dictionary
    py pyenv pyrun
    MException getReport throwAsCaller addCause
    isMATLABReleaseOlderThan mustBeText isvalid
    """.split()
)


# classdef blocks whose attribute list, in round brackets, holds Name = value
_ATTRIBUTE_KEYWORDS = frozenset({"classdef", "properties", "methods", "events", "enumeration"})


@dataclasses.dataclass(frozen=True)
class Finding:
    """One construct that GNU Octave does not run as MATLAB does."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


class _LexError(Exception):
    def __init__(self, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


class _RaisingHandler(Message_Handler):
    """A MISS_HIT message handler that turns the lexer's complaints into exceptions."""

    def __init__(self) -> None:
        super().__init__("debug")

    def register_message(self, msg) -> None:  # noqa: D401 - MISS_HIT's hook
        raise _LexError(msg.location.line or 1, (msg.location.col_start or 0) + 1,
                        msg.message)


def _tokens(text: str, filename: str) -> list:
    lexer = MATLAB_Lexer(MATLAB_Latest_Language(), _RaisingHandler(), text, filename)
    tokens = []
    while True:
        token = lexer.token()
        if token is None:
            return tokens
        tokens.append(token)


def _variables(tokens: list) -> set[str]:
    """Names the file assigns: function inputs and outputs, loop variables, targets."""
    names: set[str] = set()
    for i, token in enumerate(tokens):
        if token.kind == "KEYWORD" and token.value == "function":
            j = i + 1
            while j < len(tokens) and tokens[j].kind not in ("NEWLINE", "SEMICOLON"):
                if tokens[j].kind == "IDENTIFIER":
                    names.add(tokens[j].value)
                j += 1
        elif token.kind == "KEYWORD" and token.value in ("for", "parfor"):
            if i + 1 < len(tokens) and tokens[i + 1].kind == "IDENTIFIER":
                names.add(tokens[i + 1].value)
        elif token.kind == "ASSIGNMENT":
            j = i - 1
            if j >= 0 and tokens[j].kind == "A_KET":  # [a, b] = ...
                while j >= 0 and tokens[j].kind != "A_BRA":
                    if tokens[j].kind == "IDENTIFIER":
                        names.add(tokens[j].value)
                    j -= 1
            elif j >= 0 and tokens[j].kind == "IDENTIFIER" and tokens[j].first_in_statement:
                names.add(tokens[j].value)
    return names


def check_source(text: str, path: str, allowed: frozenset[str] = frozenset()) -> list[Finding]:
    """Findings for the MATLAB source ``text`` (``path`` only names it in messages).

    ``allowed`` lists the denied names this file may use (``{"*"}``: all of them).
    """
    try:
        tokens = _tokens(text, path)
    except _LexError as exc:
        return [Finding(path, exc.line, exc.column, f"cannot read the file: {exc}")]

    findings: list[Finding] = []
    variables = _variables(tokens)
    depth = 0  # nesting of round brackets (calls and indexing)
    attribute_depth = 0  # inside `methods (Access = private)` and the like
    previous = None
    for token in tokens:
        where = (token.location.line, token.location.col_start + 1)
        if token.kind == "BRA":
            depth += 1
            if (attribute_depth == 0 and previous is not None and previous.kind == "KEYWORD"
                    and previous.value in _ATTRIBUTE_KEYWORDS):
                attribute_depth = depth
        elif token.kind == "KET":
            if depth == attribute_depth:
                attribute_depth = 0
            depth = max(depth - 1, 0)
        elif token.kind == "ASSIGNMENT" and attribute_depth:
            pass  # class attributes: (Access = private) is valid in both
        elif token.kind == "STRING":
            findings.append(Finding(path, *where,
                                    'double-quoted literal "..." (a string in MATLAB, a '
                                    "char in Octave): use single quotes"))
        elif token.kind == "ASSIGNMENT" and depth > 0:
            findings.append(Finding(path, *where,
                                    "name=value argument syntax (Octave assigns the name "
                                    "in the caller): pass 'Name', value pairs"))
        elif token.value == "arguments" and (
            token.kind == "KEYWORD" or token.first_in_statement
        ):
            findings.append(Finding(path, *where,
                                    "arguments block (GNU Octave cannot run it): validate "
                                    "inputs in code"))
        elif (
            token.kind == "IDENTIFIER"
            and token.value in DENIED_NAMES
            and not (previous is not None and previous.kind == "SELECTION")
            and token.value not in variables
            and not ("*" in allowed or token.value in allowed)
        ):
            findings.append(Finding(path, *where,
                                    f"'{token.value}' does not exist in GNU Octave: keep it "
                                    "in a MATLAB-only adapter file listed in "
                                    "tools/check_portability.py"))
        if token.kind not in ("NEWLINE", "COMMENT", "CONTINUATION"):
            previous = token
    return findings


def _relative(path: pathlib.Path) -> str:
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return path.as_posix()


def iter_files(paths: Iterable[pathlib.Path]) -> Iterable[pathlib.Path]:
    """The .m files under ``paths``, skipping MATLAB-only folders."""
    for path in paths:
        candidates = sorted(path.rglob("*.m")) if path.is_dir() else [path]
        for candidate in candidates:
            rel = _relative(candidate)
            if any(rel == d or rel.startswith(d + "/") for d in MATLAB_ONLY_DIRS):
                continue
            yield candidate


def check_paths(paths: Iterable[pathlib.Path]) -> list[Finding]:
    """Findings for every .m file under ``paths``."""
    findings: list[Finding] = []
    for file in iter_files(paths):
        rel = _relative(file)
        allowed = MATLAB_ONLY_FILES.get(rel, frozenset())
        text = file.read_text(encoding="utf-8")
        findings.extend(check_source(text, rel, allowed))
    return findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=pathlib.Path,
                        help="files or folders (default: toolbox tests/matlab)")
    args = parser.parse_args(argv)
    paths = args.paths or [ROOT / p for p in DEFAULT_PATHS]
    missing = [p for p in paths if not p.exists()]
    if missing:
        parser.error("no such file or folder: " + ", ".join(map(str, missing)))
    files = list(iter_files(paths))
    findings = check_paths(paths)
    for finding in findings:
        print(finding)
    print(f"check_portability: {len(files)} file(s), {len(findings)} finding(s)",
          file=sys.stderr)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
