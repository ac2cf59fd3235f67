"""The engine operations MATLAB uses, driven through the gateway as MATLAB drives them."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from scistack_engine import gateway
from scistack_engine.codec import HEADER, decode, encode
from scistack_engine.gateway import matlab_args
from scistack_engine.gateway import scidb as gateway_scidb  # noqa: F401 - registers the operations
from scistack_engine.hashing import content_hash


def call(op, **args):
    reply = decode(gateway.handle(encode({"op": op, "args": args})))
    if "error" in reply:
        raise RuntimeError(f"{reply['error']['identifier']}: {reply['error']['message']}")
    return reply["ok"]


def wire(value) -> np.ndarray:
    return np.frombuffer(encode(value), dtype=np.uint8)


@pytest.fixture
def handle(tmp_path):
    opened = call("db_open", path=str(tmp_path / "m.duckdb"), schema_keys=["subject", "session"])
    yield opened["handle"]
    call("db_close", handle=opened["handle"])


def matlab_string(text: str) -> np.ndarray:
    """The wire bytes MATLAB writes for a string scalar: a class hint over the text."""
    raw = text.encode()
    body = b"h" + struct.pack("<Q", 6) + b"string" + b"s" + struct.pack("<Q", len(raw)) + raw
    return np.frombuffer(HEADER + body, dtype=np.uint8)


def test_save_and_load_keep_matlab_bytes_exactly(handle):
    # MATLAB numbers arrive as doubles: subject=1.0 addresses the same record as 1
    sent = matlab_string("left")
    call(
        "save",
        handle=handle,
        variable="Side",
        metadata={"subject": 1.0, "session": "pre"},
        value=sent,
    )
    (record,) = call(
        "load", handle=handle, variable="Side", metadata={"subject": 1, "session": "pre"}
    )
    assert bytes(record["value"]) == bytes(sent)
    assert record["version"] == 1 and record["metadata"] == {"subject": 1, "session": "pre"}


def test_values_saved_from_python_load_as_wire(handle):
    call("save", handle=handle, variable="Emg", metadata={"subject": 2, "session": "pre"},
         value=wire(np.arange(4.0)))
    (record,) = call("load", handle=handle, variable="Emg", metadata={"subject": 2})
    np.testing.assert_array_equal(decode(bytes(record["value"])), np.arange(4.0))
    assert record["content_hash"] == content_hash(np.arange(4.0))


def test_errors_carry_identifiers(handle):
    with pytest.raises(RuntimeError, match="scistack:db:unknownVariable"):
        call("load", handle=handle, variable="Nope", metadata={"subject": 1})


def test_var_load_renders_the_engine_selection(handle):
    # a record saved at a partial address and loaded with exactly its keys is one record
    call("save", handle=handle, variable="Mean", metadata={"subject": 1.0}, value=wire(2.5))
    reply = call("var_load", handle=handle, variable="Mean", metadata={"subject": 1.0})
    assert reply["single"] is True and len(reply["records"]) == 1
    call("save", handle=handle, variable="Mean", metadata={"subject": 1, "session": "pre"},
         value=wire(3.5))
    reply = call("var_load", handle=handle, variable="Mean", metadata={"subject": np.array([1.0])})
    assert reply["single"] is False and len(reply["records"]) == 2
    table = call("var_load", handle=handle, variable="Mean", metadata={}, all=True)
    assert table["keys"] == ["subject", "session"]
    assert decode(bytes(table["values"])) == [2.5, 3.5]
    assert call("var_load", handle=handle, variable="Mean", metadata={"subject": 9}, all=True,
                as_table=False) == {"records": [], "single": False}


def test_var_load_takes_matlab_version_forms_and_record_id_columns(handle):
    first = call("save", handle=handle, variable="V", metadata={"subject": 1.0}, value=wire(1.0))
    second = call("save", handle=handle, variable="V", metadata={"subject": 1.0}, value=wire(2.0))
    by_id = call("var_load", handle=handle, variable="V", metadata={}, version=first)
    assert by_id["single"] and [r["record_id"] for r in by_id["records"]] == [first]
    several = call("var_load", handle=handle, variable="V", metadata={},
                   version=np.array([1.0, 2.0]))
    assert [r["record_id"] for r in several["records"]] == [first, second]
    table = call("var_load", handle=handle, variable="V", metadata={}, all=True,
                 version_id="all", include_record_id=True)
    assert table["keys"] == ["subject", "record_id"]
    assert list(table["columns"]["record_id"]) == [first, second]
    with pytest.raises(RuntimeError, match="scistack:metadata:invalid"):
        call("var_load", handle=handle, variable="V", metadata={}, version=1.5)


def test_var_group_operations(handle):
    assert call("var_group", handle=handle, action="list") == []
    assert call("var_group", handle=handle, action="add", group="g",
                variables=["B", "A"]) == ["A", "B"]
    assert call("var_group", handle=handle, action="get", group="g") == ["A", "B"]
    assert call("var_group", handle=handle, action="remove", group="g", variables="A") == ["B"]
    with pytest.raises(RuntimeError, match="scistack:gateway:badArgument"):
        call("var_group", handle=handle, action="rename", group="g")
    with pytest.raises(RuntimeError, match="scistack:db:notFound"):
        call("var_group", handle=handle, action="get", group="missing")


def test_a_saved_result_names_its_output_in_its_lineage(handle):
    from scistack_engine import session
    from scistack_engine.lineage import cache_key

    constants = {"x": {"value": 2.0, "content_hash": content_hash(2.0)}}
    key = cache_key("f" * 64, {}, {"x": content_hash(2.0)}, 2)
    lineage = {"function_name": "split", "fingerprint": "f" * 64, "language": "matlab",
               "n_outputs": 2, "cache_key": key, "inputs": {}, "constants": constants}
    rid = call("save", handle=handle, variable="Half", metadata={"subject": 1.0, "session": "a"},
               value=wire(3.0), lineage=lineage, output_index=1.0)
    stored = session.by_handle(handle).lineage_of([rid])[rid]
    assert stored["output_index"] == 1 and stored["cache_key"] == key


@pytest.mark.parametrize("version", [np.int32(1), np.array([[1.0]]), matlab_string("latest"),
                                     np.array([], dtype=float)])
def test_var_load_reads_a_version_in_each_form_matlab_sends(handle, version):
    call("save", handle=handle, variable="V", metadata={"subject": 1.0, "session": "a"},
         value=wire(3.0))
    if isinstance(version, np.ndarray) and version.dtype == np.uint8:
        version = decode(version.tobytes())
    reply = call("var_load", handle=handle, variable="V",
                 metadata={"subject": 1.0, "session": "a"}, version=version)
    assert len(reply["records"]) == 1 and reply["single"]


def test_matlab_metadata_lists_are_flat_and_one_value_is_itself():
    assert matlab_args.one_or_list(np.array([[1.0, 2.0]])) == [1.0, 2.0]
    assert matlab_args.one_or_list(np.array([[3.0]])) == 3.0
    assert matlab_args.one_or_list(["pre"]) == "pre"
    assert matlab_args.one_or_list("pre") == "pre"
    assert matlab_args.metadata(None) == {}
    assert matlab_args.metadata({"subject": np.array([1.0, 2.0]), "session": ["pre"]}) == {
        "subject": [1.0, 2.0], "session": "pre"}


def test_metadata_values_from_matlab_meet_the_engine_rules(handle):
    # a one-element cell saves at its value; a query takes a vector as "any of these"
    call("save", handle=handle, variable="V", metadata={"subject": [1.0], "session": ["pre"]},
         value=wire(1.0))
    call("save", handle=handle, variable="V", metadata={"subject": 2.0, "session": "pre"},
         value=wire(2.0))
    found = call("load", handle=handle, variable="V",
                 metadata={"subject": np.array([[1.0, 2.0]]), "session": "pre"})
    assert sorted(r["metadata"]["subject"] for r in found) == [1, 2]
    versions = call("list_versions", handle=handle, variable="V",
                    metadata={"subject": [1.0], "session": "pre"})
    assert [v["metadata"]["subject"] for v in versions] == [1]
    # the checks MATLAB leaves to the engine: several values in a save, a vector inside a
    # cell, NaN
    for bad in (np.array([1.0, 2.0]), [np.array([1.0, 2.0]), 3.0], float("nan")):
        with pytest.raises(RuntimeError, match="scistack:metadata:invalid"):
            call("save", handle=handle, variable="V", metadata={"subject": bad, "session": "x"},
                 value=wire(1.0))
    with pytest.raises(RuntimeError, match="scistack:metadata:invalid"):
        call("load", handle=handle, variable="V",
             metadata={"subject": [np.array([1.0, 2.0]), 3.0]})


def test_record_operations_read_matlab_s_name_value_pairs(handle):
    # what scidb.BaseVariable and scidb.Database send: the user's varargin as given
    rid = call("save", variable="P", value=wire(4.0),
               arguments=["subject", 1.0, "session", "pre", "DB", {"handle": handle}])
    reply = call("var_load", variable="P", all=False,
                 arguments=["subject", 1.0, "session", "pre", "version", 1.0, "db",
                            {"handle": handle}])
    assert reply["single"] and reply["records"][0]["record_id"] == rid
    records = call("var_load", handle=handle, variable="P", all=True,
                   arguments=["as_table", False, "include_record_id", True])
    assert [r["record_id"] for r in records["records"]] == [rid]
    table = call("var_load", handle=handle, variable="P", all=True,
                 arguments=["include_record_id", True])
    assert table["keys"] == ["subject", "session", "record_id"]
    assert call("provenance", handle=handle, variable="P",
                arguments=["subject", 1.0, "session", "pre", "chain", True])[0]["record_id"] == rid
    assert [v["record_id"] for v in call("list_versions", handle=handle, variable="P",
                                         arguments=["subject", 1.0])] == [rid]
    assert len(call("schema_provenance", handle=handle, arguments=["session", "pre"])) == 1
    with pytest.raises(RuntimeError, match=r"^scistack:arguments:unpaired: load: "):
        call("var_load", handle=handle, variable="P", all=False, arguments=["subject"])
    with pytest.raises(RuntimeError, match=r"^scistack:arguments:badName: load_all: "):
        call("var_load", handle=handle, variable="P", all=True, arguments=[2.0, 1.0])


def test_fixed_pins_are_read_as_every_call_s_metadata():
    assert call("metadata_pairs", context="Fixed", arguments=["session", "baseline"]) == \
        {"session": "baseline"}
    with pytest.raises(RuntimeError, match=r"^scistack:metadata:invalid: Fixed: metadata s"):
        call("metadata_pairs", context="Fixed", arguments=["s", {"a": 1.0}])


def test_matlab_s_where_comparisons_become_the_planner_s_filters():
    assert call("where_filter", variable="Side", column="", cmp="~=", value="left") == \
        {"op": "cmp", "variable": "Side", "column": "", "cmp": "!=", "value": "left"}
    spec = call("where_filter", variable="Group", column=["a", "b"], cmp="isin",
                value=np.array([1.0, 2.0]))
    assert spec["cmp"] == "isin" and spec["value"] == [1.0, 2.0]
    assert spec["column"] == ["a", "b"]
    for bad in ("like", 3.0, ["=="]):
        with pytest.raises(RuntimeError, match=r"^scistack:arguments:badFilter: where: "):
            call("where_filter", variable="Side", column="", cmp=bad, value=1.0)


def test_column_selections_are_read_from_the_forms_matlab_sends():
    from scistack_engine.gateway.scidb import _input_spec

    def columns(value):
        return _input_spec("x", {"kind": "variable", "variable": "V", "fixed": {},
                                 "columns": value})["columns"]

    assert columns("") is None and columns(np.zeros((0, 0))) is None
    assert columns("speed") == "speed"
    assert columns(["left", "right"]) == ["left", "right"]
    assert columns(np.array(["left", "right"], dtype=object).reshape(2, 1)) == ["left", "right"]
    for bad in (3.0, ["left", 2.0], [""]):
        with pytest.raises(Exception) as caught:
            columns(bad)
        assert getattr(caught.value, "identifier", "") == "scistack:arguments:badColumns"


def test_name_value_pairs_sent_as_a_cell_become_the_args():
    def reply(pairs):
        sent = np.empty(len(pairs), dtype=object)
        sent[:] = pairs
        return decode(gateway.handle(encode({"op": "echo", "args": sent})))

    assert reply(["value", 5.0])["ok"] == 5.0
    for pairs in (["value", 5.0, "extra"], [1.0, 5.0], ["1st", 5.0], ["a" * 64, 5.0]):
        assert reply(pairs)["error"]["identifier"] == "scistack:engine:badArguments", pairs


def test_a_handle_is_open_until_closed_and_closing_twice_is_harmless(tmp_path):
    opened = call("db_open", path=str(tmp_path / "o.duckdb"), schema_keys=["subject"])
    assert call("db_is_open", handle=opened["handle"]) is True
    assert call("db_close", handle=opened["handle"]) is True
    assert call("db_is_open", handle=opened["handle"]) is False
    assert call("db_close", handle=opened["handle"]) is False
    assert call("db_is_open", handle=12345.0) is False


def test_ping_checks_the_version_the_toolbox_expects():
    from scistack_engine import __version__

    assert call("ping") == __version__
    assert call("ping", version=__version__, python="/x/python") == __version__
    with pytest.raises(RuntimeError, match="scistack:setup:versionMismatch: the engine in "
                       "'/x/python' is version .* but the toolbox is 0.0.0: run"):
        call("ping", version="0.0.0", python="/x/python")
