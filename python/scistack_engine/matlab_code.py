"""MATLAB source as MATLAB fingerprints read it: normalised code, the names it uses, declarations.

A MATLAB function's fingerprint (``+scistack/+internal/fingerprint.m``) is the hash of its
file's *normalised* code and that of every user function it calls. This module holds the
text rules of that fingerprint, so that MATLAB and GNU Octave apply the same ones:

* :func:`parse` (:func:`read_source` for a file): the code without what does not change
  what it does — comments (``%``, Octave's ``#``, ``%{ ... %}`` blocks, the help text),
  the rest of a line after a ``...`` continuation (continued lines are joined), blank
  lines, indentation and trailing blanks; other runs of blanks become one space. Quoted
  text is kept exactly; it ends as MATLAB reads it (only a doubled quote stands for a
  quote inside it, so ``"C:\\data\\"`` ends at its second quote). Line breaks between
  statements are kept. With it come the names the code uses (plain names, dotted names
  as written, quoted text that is one such name, as in ``feval('helper')``; keywords
  left out), which MATLAB resolves to find the user functions it calls, and the file's
  function declarations (names and input names).
* :func:`anonymous_text` — the canonical ``func2str`` text of an anonymous function (MATLAB
  prints ``@(x)f(x,k)``, Octave ``@(x) f (x, k)``).
* :func:`signature` — a function's declared inputs, which name a Thunk call's arguments
  (:meth:`Signature.argument_names`).

The closure over the files a function calls, which files are libraries, and what is
kept between calls are :mod:`scistack_engine.matlab_fingerprint`'s; what a name resolves
to is MATLAB's (``which`` in ``fingerprint.m``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Source", "Signature", "read_source", "parse", "anonymous_text", "signature"]

# A quote opens a text literal unless it follows a name, a closing bracket, a dot or another
# quote: then it is the transpose operator. (\w is ASCII, as in MATLAB and Octave.)
_PIECE = re.compile(
    r"(?<![\w)\]}.'])'(?:[^'\n]|'')*'"   # single-quoted text
    r'|"(?:[^"\n]|"")*"'                  # double-quoted text
    r"| *\.\.\.[^\n]*(?:\n *|\Z)"          # continuation: the rest of the line is a comment
    r"|[%#][^\n]*",                        # comment
    re.ASCII)
_BLOCK_OPEN = re.compile(r"(?:^|\n) *[%#]\{ *(?:\n|\Z)")
_BLOCK_MARK = re.compile(r" *[%#]([{}]) *")
_NAME = r"[A-Za-z]\w*(?:\.[A-Za-z]\w*)*"
_USED = re.compile(r"(?<![\w.])" + _NAME, re.ASCII)
_LONE = re.compile(_NAME, re.ASCII)
_DECLARATION = re.compile(
    r"(?:^|\n)function +(?:(?:\[[^\]\n]*\]|[A-Za-z]\w*) *= *)?([A-Za-z][\w.]*) *(\([^)\n]*\))?",
    re.ASCII)
_KEYWORDS = frozenset((
    "break case catch classdef continue else elseif end enumeration events for function "
    "global if methods otherwise parfor persistent properties return spmd switch try while "
    "arguments do until unwind_protect unwind_protect_cleanup end_unwind_protect "
    "end_try_catch endif endfor endwhile endfunction endswitch endclassdef endmethods "
    "endproperties endevents endenumeration endparfor endspmd varargin varargout nargin "
    "nargout").split())
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_SPACE = " \t\n\v\f\r"


@dataclass(frozen=True)
class Source:
    """What a MATLAB source text holds for its fingerprint."""

    code: str
    names: list[str]
    declared: list[str] = field(default_factory=list)
    inputs: list[list[str]] = field(default_factory=list)


def read_source(path: str) -> Source:
    """The file at ``path`` read as UTF-8 (on every platform), normalised."""
    return parse(Path(path).read_bytes().decode("utf-8", errors="replace"))


def parse(text: str) -> Source:
    """``text`` normalised, with the names it uses and its declarations."""
    code, parts, quoted = _split(text)
    declared, inputs = _declarations(code)
    return Source(code, _used_names(parts, quoted), declared, inputs)


def _split(text: str) -> tuple[str, list[str], list[str]]:
    """The normalised code, the code between literals and comments, and the literals."""
    text = _drop_block_comments(text.replace("\r", "").replace("\t", " "))
    parts: list[str] = []
    kept: list[str] = []
    quoted: list[str] = []
    start = 0
    for match in _PIECE.finditer(text):
        parts.append(re.sub(" +", " ", text[start:match.start()]))
        piece = match.group()
        if piece[0] in "%#":
            kept.append("")
        elif piece[0] in ". ":
            kept.append(" ")
        else:
            kept.append(piece)
            quoted.append(piece[1:-1])
        start = match.end()
    parts.append(re.sub(" +", " ", text[start:]))
    joined = "".join(part + extra for part, extra in zip(parts, kept + [""]))
    code = re.sub(r" *\n[ \n]*", "\n", joined)
    return re.sub(r"^[ \n]+|[ \n]+\Z", "", code), parts, quoted


def _drop_block_comments(text: str) -> str:
    """Without the lines between a line holding only ``%{`` and its matching ``%}``
    (nestable), and those lines."""
    if not _BLOCK_OPEN.search(text):
        return text
    kept = []
    depth = 0
    for line in text.split("\n"):
        marker = _BLOCK_MARK.fullmatch(line)
        if marker and marker.group(1) == "{":
            depth += 1
        elif marker and depth > 0:
            depth -= 1
        elif depth == 0:
            kept.append(line)
    return "\n".join(kept)


def _used_names(parts: list[str], quoted: list[str]) -> list[str]:
    """The sorted names in the code ``parts`` and the ``quoted`` texts that are one name."""
    found = set(_USED.findall("\n".join(parts)))
    found.update(q for q in quoted if _LONE.fullmatch(q))
    return sorted(found - _KEYWORDS)


def _declarations(code: str) -> tuple[list[str], list[list[str]]]:
    """The declared function names of normalised ``code`` in file order, and their inputs."""
    names: list[str] = []
    inputs: list[list[str]] = []
    for match in _DECLARATION.finditer(code):
        names.append(match.group(1))
        listed = match.group(2) or ""
        inputs.append([n.strip(_SPACE) for n in listed[1:-1].split(",")] if len(listed) > 2
                      else [])
    return names, inputs


def anonymous_text(text: str) -> str:
    """The canonical form of an anonymous function's ``func2str`` text.

    Every blank outside quoted text is dropped, except that a blank separating two
    elements inside ``[ ]`` or ``{ }`` becomes a comma (so ``@() [1 -2]`` and
    ``@() [1 - 2]`` stay different); Octave's ``!`` and ``!=`` become ``~`` and ``~=``.
    """
    out: list[str] = []
    stack: list[str] = []   # the open brackets, innermost last
    previous = " "          # the last character copied
    n = len(text)
    k = 0
    while k < n:
        c = text[k]
        if c == '"' or (c == "'" and not _ends_operand(text, k)):
            last = _closing_quote(text, k)
            out.append(text[k:last + 1])
            previous = c
            k = last + 1
            continue
        if c in _SPACE:
            following = k
            while following < n and text[following] in _SPACE:
                following += 1
            if stack and stack[-1] in "[{" and following < n and \
                    _separates(previous, text, following):
                out.append(",")
                previous = ","
            k = following
            continue
        if c in "([{":
            stack.append(c)
        elif c in ")]}" and stack:
            stack.pop()
        if c == "!":
            c = "~"
        out.append(c)
        previous = c
        k += 1
    return "".join(out)


def _closing_quote(text: str, k: int) -> int:
    """The position of the quote closing the literal that opens at ``k`` (doubled quotes
    stand for one), or the last position when it is not closed."""
    c = text[k]
    last = k + 1
    n = len(text)
    while last < n:
        if text[last] == c and (last == n - 1 or text[last + 1] != c):
            break
        if text[last] == c:
            last += 1
        last += 1
    return min(last, n - 1)


def _ends_operand(text: str, k: int) -> bool:
    """The quote at ``k`` is a transpose: it follows a name, a bracket, a dot or a quote."""
    return k > 0 and (text[k - 1] in _LETTERS or text[k - 1] in "0123456789_)]}.'")


def _separates(previous: str, text: str, following: int) -> bool:
    """Blanks between ``previous`` and ``text[following]`` separate two list elements."""
    ends = previous in _LETTERS or previous in "0123456789_)]}'\"."
    c = text[following]
    after = text[following + 1] if following + 1 < len(text) else " "
    if c in "+-":
        starts = after not in _SPACE and after != "="
    elif c == "~":
        starts = after != "="
    else:
        starts = c in _LETTERS or c in "0123456789_[{'\"@."
    return ends and starts


@dataclass(frozen=True)
class Signature:
    """A function's name as lineage shows it and its declared inputs.

    ``inputs`` are the names before ``varargin`` (``""`` for ``~``); ``varargin`` is true
    when it also takes ``varargin``; ``known`` is false when no declaration could be read
    (built-in and compiled functions): then nothing is known about the inputs.
    """

    name: str
    inputs: list[str] = field(default_factory=list)
    varargin: bool = False
    known: bool = False

    def argument_names(self, count: int) -> list[str]:
        """The names of a call's ``count`` arguments, as its lineage records them: the
        declared inputs, ``varargin_1``, ``varargin_2``, ... beyond them, and ``arg<k>``
        where nothing is declared (a ``~`` input, or a function whose declaration cannot
        be read). Raises ValueError when the declaration takes fewer arguments."""
        declared = len(self.inputs)
        if self.known and not self.varargin and count > declared:
            raise ValueError(f"{self.name} takes {declared} input(s), {count} were given")
        return [self.inputs[k] if self.known and k < declared and self.inputs[k]
                else f"varargin_{k + 1 - declared}" if self.known and k >= declared
                else f"arg{k + 1}" for k in range(count)]


def signature(name: str, *, file: str = "", local: bool = False, anonymous: str = "") -> Signature:
    """The signature of the function ``name``.

    ``anonymous`` is the ``func2str`` text of an anonymous function (then ``name`` is
    ignored); ``file`` the ``.m`` file defining the function ("" when there is none);
    ``local`` true for a handle to a local function of that file.
    """
    if anonymous:
        text = anonymous_text(anonymous)
        params = re.match(r"@\(([^)]*)\)", text)
        return _with_inputs(text, params.group(1)) if params else Signature(text)
    if not file.endswith(".m") or not Path(file).is_file():
        return Signature(name)
    source = read_source(file)
    short = re.sub(r"^.*[.>/]", "", name)
    found = source.declared.index(short) if short in source.declared else None
    if found is None and source.declared and source.code.startswith("function") and \
            not local and Path(file).stem == short:
        found = 0  # a function file's main function is called by the file's name
    if found is None:
        return Signature(name)
    return _with_inputs(name, ",".join(source.inputs[found]))


def _with_inputs(name: str, listed: str) -> Signature:
    names = [n for n in (part.strip(_SPACE) for part in listed.split(",")) if n]
    names = ["" if n == "~" else n for n in names]
    varargin = bool(names) and names[-1] == "varargin"
    return Signature(name, names[:-1] if varargin else names, varargin, True)
