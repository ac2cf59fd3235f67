"""How the gateway reads the MATLAB arguments of +scidb calls
(scistack_engine.gateway.scidb_arguments): scidb.configure_database's (which argument is
which, each option), the name/value pairs of load, save and the others (options, metadata,
the database), and the scistack:arguments:* error for each mistake, as MATLAB's varargin
arrives (a list; a cell or string array of keys as a list or an array)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from scistack_engine.errors import GatewayError, MetadataError
from scistack_engine.foreach_options import is_matlab_name
from scistack_engine.gateway.scidb_arguments import (
    call_arguments,
    configure_arguments,
    database_handle,
)

KEYS = ["subject", "session"]


def identifier(path, arguments, folder="/work"):
    with pytest.raises(GatewayError) as caught:
        configure_arguments(path, arguments, folder)
    return caught.value.identifier


@pytest.mark.parametrize("arguments", [
    [KEYS],
    ["dataset_schema_keys", KEYS],
    ["DATASET_SCHEMA_KEYS", np.array(KEYS)],
    [np.array(KEYS, dtype=object).reshape(2, 1)],
])
def test_the_keys_are_given_first_or_by_name(arguments):
    call = configure_arguments("study.duckdb", arguments, "/work")
    assert call.schema_keys == KEYS
    assert (call.path, call.read_only, call.timeout) == ("/work/study.duckdb", False, 0.0)


def test_one_char_row_is_one_key_even_the_option_name_alone():
    assert configure_arguments("a.duckdb", ["subject"], "/w").schema_keys == ["subject"]
    only = configure_arguments("a.duckdb", ["dataset_schema_keys"], "/w")
    assert only.schema_keys == ["dataset_schema_keys"]


def test_the_options_are_read_without_regard_to_case():
    call = configure_arguments("a.duckdb", [KEYS, "Read_Only", True, "TIMEOUT", 2.5], "/w")
    assert call.read_only is True and call.timeout == 2.5
    assert configure_arguments("a.duckdb", [KEYS, "read_only", 1.0], "/w").read_only is True
    assert configure_arguments("a.duckdb", [KEYS, "timeout", np.int32(3)], "/w").timeout == 3


@pytest.mark.parametrize("arguments", [[], [KEYS, "dataset_schema_keys", KEYS]])
def test_keys_missing_or_given_twice_is_missing(arguments):
    assert identifier("a.duckdb", arguments) == "scistack:arguments:missing"


@pytest.mark.parametrize("timeout", [-1.0, float("nan"), True, "5", np.array([1.0, 2.0])])
def test_a_timeout_is_a_number_of_seconds_0_or_more(timeout):
    assert identifier("a.duckdb", [KEYS, "timeout", timeout]) == "scistack:arguments:badTimeout"


def test_other_options_pairs_and_names_are_refused():
    assert identifier("a.duckdb", [KEYS, "readonly", True]) == "scistack:arguments:unknownOption"
    assert identifier("a.duckdb", [KEYS, "read_only"]) == "scistack:arguments:unpaired"
    assert identifier("a.duckdb", [KEYS, 3.0, True]) == "scistack:arguments:badName"


@pytest.mark.parametrize("path", ["", 5.0, None, ["a", "b"]])
def test_the_file_is_text(path):
    assert identifier(path, [KEYS]) == "scistack:arguments:badPath"


@pytest.mark.parametrize("keys", [[], 5.0, ["subject", 3.0], ["1st"], ["end"], ["a b"],
                                  ["x" * 64], np.array([], dtype=object)])
def test_schema_keys_are_matlab_names(keys):
    assert identifier("a.duckdb", [keys]) == "scistack:arguments:badSchemaKeys"


def test_the_file_is_made_absolute_against_matlabs_folder(monkeypatch):
    monkeypatch.setenv("HOME", "/home/me")
    folder = os.path.join(os.sep, "data", "study")
    assert configure_arguments("x.duckdb", [KEYS], folder).path == os.path.join(folder,
                                                                                "x.duckdb")
    assert configure_arguments("~/x.duckdb", [KEYS], folder).path == "/home/me/x.duckdb"
    assert configure_arguments("/abs/x.duckdb", [KEYS], folder).path == "/abs/x.duckdb"
    assert configure_arguments("C:\\x.duckdb", [KEYS], folder).path == "C:\\x.duckdb"
    assert configure_arguments(":memory:", [KEYS], folder).path == ":memory:"


def test_matlab_names_are_what_isvarname_accepts():
    assert is_matlab_name("subject_1") and is_matlab_name("x" * 63)
    assert not any(is_matlab_name(v) for v in ("_x", "1x", "for", "x" * 64, 5, ""))


def test_a_call_s_pairs_are_its_options_and_metadata():
    read = call_arguments({"variable": "V", "arguments": ["subject", 1.0, "VERSION", 2.0,
                                                         "session", ["a", "b"]]},
                          ("version", "db"), "load")
    assert read == {"variable": "V", "metadata": {"subject": 1.0, "session": ["a", "b"]},
                    "version": 2.0, "handle": None}


def test_the_db_option_names_the_handle_unless_the_request_does():
    pairs = ["subject", 1.0, "db", {"handle": 7.0}]
    assert call_arguments({"arguments": pairs}, ("db",), "save")["handle"] == 7.0
    assert call_arguments({"arguments": pairs, "handle": 3.0}, ("db",), "save")["handle"] == 3.0
    assert call_arguments({"arguments": [], "handle": np.zeros((0, 0))}, ("db",),
                          "save")["handle"] is None
    assert database_handle(np.zeros((0, 0))) is None
    with pytest.raises(GatewayError) as caught:
        call_arguments({"arguments": ["db", "not a database"]}, ("db",), "load")
    assert caught.value.identifier == "scistack:arguments:badDatabase"


def test_a_request_without_arguments_is_read_as_it_is():
    assert call_arguments({"metadata": {"subject": 1}}, ("db",), "load") == \
        {"metadata": {"subject": 1}}


@pytest.mark.parametrize("pairs, identifier", [
    (["subject"], "scistack:arguments:unpaired"),
    ([3.0, 1.0], "scistack:arguments:badName"),
    (["1st", 1.0], "scistack:arguments:badName"),
    (["for", 1.0], "scistack:arguments:badName"),
])
def test_bad_pairs_name_the_function(pairs, identifier):
    with pytest.raises(GatewayError) as caught:
        call_arguments({"arguments": pairs}, ("db",), "list_versions")
    assert caught.value.identifier == identifier
    assert str(caught.value).startswith("list_versions: ")


def test_metadata_values_are_numbers_text_or_logicals():
    with pytest.raises(MetadataError, match=r"^save: metadata subject") as caught:
        call_arguments({"arguments": ["subject", [{"a": 1.0}]]}, ("db",), "save")
    assert caught.value.identifier == "scistack:metadata:invalid"


def test_a_call_of_options_only_refuses_other_names():
    read = call_arguments({"arguments": ["Output", "x.html"]}, ("run", "output", "db"),
                          "scistack.report", only_options=True)
    assert read == {"output": "x.html", "metadata": {}, "handle": None}
    with pytest.raises(GatewayError, match=r"unknown option 'format'; the options are run, "
                                           r"output, db") as caught:
        call_arguments({"arguments": ["format", "svg"]}, ("run", "output", "db"),
                       "scistack.report", only_options=True)
    assert caught.value.identifier == "scistack:arguments:unknownOption"
