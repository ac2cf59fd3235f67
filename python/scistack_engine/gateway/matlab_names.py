"""MATLAB's rules for names, so that replies reach the toolbox with names it uses as sent.

The documented behaviour of ``isvarname``, ``matlab.lang.makeValidName`` and
``matlab.lang.makeUniqueStrings`` (GNU Octave's keywords where the profile is Octave's),
and the names a MATLAB table takes for a DataFrame's columns. The reply profile
(:mod:`.profile`) uses them for a DataFrame's field names (GNU Octave) and its table's
variable and dimension names (MATLAB); this module does no wire work.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

__all__ = ["NAME_LENGTH_MAX", "is_field_name", "make_unique_strings", "make_valid_name",
           "table_names"]

#: ``namelengthmax``: the longest name MATLAB (and GNU Octave) takes.
NAME_LENGTH_MAX = 63

#: The names a table keeps for itself and refuses as a variable or dimension name.
TABLE_RESERVED = ("Properties", "RowNames", "VariableNames", ":")

_KEYWORDS = {
    True: frozenset("break case catch classdef continue else elseif end for function global "
                    "if otherwise parfor persistent return spmd switch try while".split()),
    False: frozenset("__FILE__ __LINE__ break case catch classdef continue do else elseif end "
                     "end_try_catch end_unwind_protect endarguments endclassdef "
                     "endenumeration endevents endfor endfunction endif endmethods "
                     "endparfor endproperties endspmd endswitch endwhile for function "
                     "global if otherwise parfor persistent return spmd switch try until "
                     "unwind_protect unwind_protect_cleanup while".split()),
}
_WHITESPACE = " \t\n\v\f\r"


def _length(name: str) -> int:
    """``numel`` of the name in MATLAB, whose char is a UTF-16 code unit."""
    return len(name.encode("utf-16-le")) // 2


def is_field_name(key: str, matlab: bool = True) -> bool:
    """``isvarname(key)`` in MATLAB (``matlab``) or GNU Octave, which also takes a
    leading underscore; either has its own keywords and 63 characters at most."""
    pattern = r"[A-Za-z]\w*" if matlab else r"[A-Za-z_]\w*"
    return (len(key) <= NAME_LENGTH_MAX and re.fullmatch(pattern, key, re.ASCII) is not None
            and key not in _KEYWORDS[matlab])


def make_valid_name(name: str, matlab: bool = True) -> str:
    """``matlab.lang.makeValidName(name)``: a valid name is returned as it is; otherwise
    whitespace is deleted (a lowercase letter after it upper-cased), a keyword is
    capitalised, ``x`` is put first unless the name starts with a letter, every
    character but ``A-Z a-z 0-9 _`` becomes ``_``, and the name is cut to 63 characters
    (MATLAB only: GNU Octave's makeValidName does not cut)."""
    if is_field_name(name, matlab):
        return name
    kept: list[str] = []
    after_space = False
    for c in name:
        if c in _WHITESPACE:
            after_space = True
            continue
        kept.append(c.upper() if after_space and "a" <= c <= "z" else c)
        after_space = False
    text = "".join(kept)
    if text in _KEYWORDS[matlab]:
        text = "x" + text[0].upper() + text[1:]
    if not re.match(r"[A-Za-z]", text, re.ASCII):
        text = "x" + text
    text = re.sub(r"[^A-Za-z0-9_]", "_", text, flags=re.ASCII)
    return text[:NAME_LENGTH_MAX] if matlab else text


def make_unique_strings(names: Sequence[str], excluded: Iterable[str] = (),
                        max_length: int | None = None) -> list[str]:
    """``matlab.lang.makeUniqueStrings(names, excluded, max_length)``: the names cut to
    ``max_length``, then each repeat (and a name in ``excluded``) given ``_1``, ``_2``, ...
    in order, the first of equal names kept when it is not excluded; a number whose
    text collides with another name or an excluded one is skipped, and the name is cut
    so that name and number fit ``max_length``."""
    cut = [n if max_length is None else n[:max_length] for n in names]
    taken = set(excluded)
    claimed = set(cut)
    out = list(cut)
    groups: dict[str, list[int]] = {}
    for position, name in enumerate(cut):
        groups.setdefault(name, []).append(position)
    for name, positions in groups.items():
        number = 0
        for k, position in enumerate(positions):
            if k == 0 and name not in taken:
                taken.add(name)
                continue
            while True:
                number += 1
                suffix = f"_{number}"
                if max_length is not None and len(suffix) >= max_length:
                    raise ValueError(f"no unique name for {name!r} within {max_length} "
                                     "characters")
                base = name if max_length is None else name[:max_length - len(suffix)]
                proposal = base + suffix
                if proposal not in taken and proposal not in claimed:
                    break
            out[position] = proposal
            taken.add(proposal)
    return out


def table_names(columns: Sequence[str], index_name: str,
                has_row_names: bool) -> tuple[list[str], list[str], list[str]]:
    """The variable names, descriptions and two dimension names of a MATLAB table for
    DataFrame ``columns``: a name the table refuses (reserved, longer than 63 characters,
    a repeat) becomes a unique valid name, its original text kept as its description
    (``''`` for the names kept); the row dimension is named after a text index that gives
    the row names (``Row`` otherwise), and the dimension names give way to the variables."""
    seen: set[str] = set()
    keep = []
    for name in columns:
        keep.append(name not in seen and name not in TABLE_RESERVED
                    and _length(name) <= NAME_LENGTH_MAX)
        seen.add(name)
    taken = [name for name, kept in zip(columns, keep) if kept] + list(TABLE_RESERVED)
    variables = []
    for name, kept in zip(columns, keep):
        if not kept:
            name = make_unique_strings([make_valid_name(name)], taken, NAME_LENGTH_MAX)[0]
            taken.append(name)
        variables.append(name)
    descriptions = ["" if kept else name for name, kept in zip(columns, keep)]
    row = "Row"
    if (has_row_names and index_name != "index" and _length(index_name) <= NAME_LENGTH_MAX
            and index_name not in TABLE_RESERVED):
        row = index_name
    dims = make_unique_strings([row, "Variables"], [*variables, *TABLE_RESERVED],
                               NAME_LENGTH_MAX)
    return variables, descriptions, dims
