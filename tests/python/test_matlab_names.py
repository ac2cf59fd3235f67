"""MATLAB's name rules in the engine (scistack_engine.gateway.matlab_names): the documented
examples of makeValidName and makeUniqueStrings, the names a table takes, and the same
answers as GNU Octave's own functions for ASCII names."""

from __future__ import annotations

import json

import pytest

from octave_support import run_octave
from scistack_engine.gateway.matlab_names import (
    NAME_LENGTH_MAX,
    is_field_name,
    make_unique_strings,
    make_valid_name,
    table_names,
)


def test_make_valid_name_follows_the_documented_example():
    names = ["Item_#", "Price/Unit", "1st order", "Contact"]
    assert [make_valid_name(n) for n in names] == ["Item__", "Price_Unit", "x1stOrder",
                                                    "Contact"]


@pytest.mark.parametrize(("name", "valid"), [
    ("for", "xFor"), ("", "x"), ("a b c", "aBC"), ("µV", "x_V"), ("_x", "x_x"),
    ("x" * 70, "x" * NAME_LENGTH_MAX), ("9", "x9"), ("A\tb", "AB"),
])
def test_make_valid_name_cases(name, valid):
    assert make_valid_name(name) == valid
    assert is_field_name(valid)


def test_octave_names_allow_a_leading_underscore_and_have_more_keywords():
    assert make_valid_name("_x", matlab=False) == "_x"
    assert make_valid_name("until", matlab=False) == "xUntil"
    assert make_valid_name("until") == "until"
    assert make_valid_name("v" * 70, matlab=False) == "v" * 70


def test_make_unique_strings_follows_the_documented_example():
    names = ["John", "Sue", "Nick", "John", "Campion", "John", "Jason"]
    assert make_unique_strings(names) == ["John", "Sue", "Nick", "John_1", "Campion",
                                          "John_2", "Jason"]


def test_make_unique_strings_with_exclusions_collisions_and_a_length_limit():
    assert make_unique_strings(["Sue", "Sue", "Ann"], ["Sue"]) == ["Sue_1", "Sue_2", "Ann"]
    assert make_unique_strings(["a", "a", "a_1"]) == ["a", "a_2", "a_1"]
    assert make_unique_strings(["abcd", "abcd"], (), 4) == ["abcd", "ab_1"]
    assert make_unique_strings(["abcdef"], (), 4) == ["abcd"]
    with pytest.raises(ValueError):
        make_unique_strings(["ab", "ab"], (), 2)


def test_table_names_keep_what_a_table_takes_and_describe_what_they_rename():
    names, descriptions, dims = table_names(["Properties", "Row", "v" * 70, "a b", "a b"],
                                            "index", False)
    assert names == ["Properties_1", "Row", "v" * 63, "a b", "aB"]
    assert descriptions == ["Properties", "", "v" * 70, "", "a b"]
    assert dims == ["Row_1", "Variables"]


def test_table_dimension_names_follow_a_row_names_index():
    assert table_names(["x"], "trial", True)[2] == ["trial", "Variables"]
    assert table_names(["x"], "trial", False)[2] == ["Row", "Variables"]
    assert table_names(["trial"], "trial", True)[2] == ["trial_1", "Variables"]
    assert table_names(["x"], "Properties", True)[2] == ["Row", "Variables"]


CROSS = [["a%name", "name_1", "2_name"], ["x", "x", "x_1", "for", "a  b", "do", "w" * 70],
         ["Item_#", "Price/Unit", "1st order", "Contact", "Item_#"]]


@pytest.mark.octave
def test_the_rules_answer_as_octave_does_for_ascii_names():
    lines = []
    for k, names in enumerate(CROSS):
        cell = "{" + ", ".join(f"'{n}'" for n in names) + "}"
        lines.append(f"u = matlab.lang.makeUniqueStrings(matlab.lang.makeValidName({cell})); "
                     f"printf('%d=%s\\n', {k}, strjoin(u, '|'));")
    out = run_octave("\n".join(lines)).stdout
    for k, names in enumerate(CROSS):
        expected = make_unique_strings([make_valid_name(n, matlab=False) for n in names])
        assert f"{k}={'|'.join(expected)}" in out, json.dumps([out, expected])
