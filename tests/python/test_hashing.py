"""The content hash: stable across processes and runs, different for different values."""

from __future__ import annotations

import datetime as dt
import json
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scistack_engine.codec import HEADER, decode, encode
from scistack_engine.errors import UnsupportedValueError
from scistack_engine.hashing import content_hash
from test_codec import values as value_strategy


def test_hash_is_64_hex_characters():
    h = content_hash(np.arange(3))
    assert len(h) == 64 and int(h, 16) >= 0


@pytest.mark.parametrize(
    "a, b",
    [
        (1, 1.0),
        (1, True),
        (1, np.int64(1)),
        (np.int32(1), np.int64(1)),
        (1.0, np.float64(1.0)),
        ("1", 1),
        (None, float("nan")),
        ([1, 2], (1, 2)),
        (np.arange(3, dtype=np.int32), np.arange(3, dtype=np.int64)),
        (np.zeros(3), np.zeros((1, 3))),
        (np.zeros((1, 3)), np.zeros((3, 1))),
        (np.zeros(6).reshape(2, 3), np.zeros(6).reshape(3, 2)),
        (np.array([1.0, 2.0]), np.array([2.0, 1.0])),
        (np.array(1.0), 1.0),
        (0.0, -0.0),
        ({"a": 1}, {"a": 2}),
        ({"a": 1}, {"b": 1}),
        ({"a": 1, "b": 2}, [("a", 1), ("b", 2)]),
        (pd.DataFrame({"a": [1], "b": [2]}), pd.DataFrame({"b": [2], "a": [1]})),
        (pd.DataFrame({"a": [1.0]}), pd.DataFrame({"a": [1]})),
        (pd.DataFrame({"a": ["x"]}, dtype=object), pd.DataFrame({"a": ["x"]}, dtype="str")),
        (pd.DataFrame({"a": [1.0]}), pd.Series([1.0], name="a")),
        (pd.Series([1.0], index=[0]), pd.Series([1.0], index=[1])),
        (dt.datetime(2020, 1, 1), dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)),
        (dt.date(2020, 1, 1), dt.datetime(2020, 1, 1)),
        ("", None),
        ([], ()),
        ("ab", ["a", "b"]),
    ],
)
def test_different_values_have_different_hashes(a, b):
    assert content_hash(a) != content_hash(b)


def test_dict_key_order_does_not_matter():
    a = {"subject": 1, "session": "pre", "nested": {"x": 1, "y": [1, 2]}}
    b = {"nested": {"y": [1, 2], "x": 1}, "session": "pre", "subject": 1}
    assert content_hash(a) == content_hash(b)


def test_memory_layout_and_byte_order_do_not_matter():
    c = np.arange(12.0).reshape(3, 4)
    assert content_hash(c) == content_hash(np.asfortranarray(c))
    assert content_hash(c) == content_hash(c.astype(">f8"))
    assert content_hash(c[:, ::2]) == content_hash(np.ascontiguousarray(c[:, ::2]))


def test_matlab_column_major_bytes_hash_like_the_python_array():
    body = b"a" + struct.pack("<Q", 2) + b"f8" + b"F" + struct.pack("<QQQ", 2, 2, 3)
    body += np.array([1, 4, 2, 5, 3, 6], dtype="<f8").tobytes()
    expected = content_hash(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    assert content_hash(decode(HEADER + body)) == expected


def test_unhashable_values_are_an_error_not_a_fallback():
    with pytest.raises(UnsupportedValueError):
        content_hash(object())
    with pytest.raises(UnsupportedValueError):
        content_hash({"fn": print})


@settings(max_examples=200, deadline=None)
@given(value_strategy)
def test_property_hash_survives_an_encode_decode_round_trip(value):
    assert content_hash(value) == content_hash(decode(encode(value)))


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=4), st.integers(), min_size=2, max_size=6))
def test_property_dict_hash_ignores_insertion_order(d):
    reversed_d = dict(reversed(list(d.items())))
    assert content_hash(d) == content_hash(reversed_d)


VALUES_FOR_SUBPROCESS = textwrap.dedent(
    """
    import datetime as dt, json, sys
    import numpy as np, pandas as pd
    from scistack_engine.hashing import content_hash
    values = {
        "text_frame": pd.DataFrame({"subject": [1, 2], "name": ["alice", "bob"],
                                    "tag": pd.Series(["x", None], dtype=object),
                                    "cat": pd.Categorical(["a", "b"])}),
        "array": np.linspace(0, 1, 7).reshape(7, 1),
        "nested": {"b": [1, (2.5, "x")], "a": None, "when": dt.datetime(2020, 5, 1)},
        "text": "héllo",
        "series": pd.Series(["a", "b"], index=["i", "j"], name="s"),
    }
    json.dump({k: content_hash(v) for k, v in values.items()}, sys.stdout)
    """
)


def test_hashes_are_equal_in_a_fresh_process_and_with_another_hash_seed():
    runs = []
    for seed in ("0", "12345"):
        out = subprocess.run(
            [sys.executable, "-c", VALUES_FOR_SUBPROCESS],
            capture_output=True, text=True, check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        )
        runs.append(json.loads(out.stdout))
    assert runs[0] == runs[1]
    namespace: dict = {}
    exec(
        VALUES_FOR_SUBPROCESS.replace("json.dump(", "result = (").replace(", sys.stdout)", ")"),
        namespace,
    )
    assert namespace["result"] == runs[0]


@pytest.mark.parametrize(
    "value, digest",
    [
        (1.5, "6f01ce90b94508503aa6d3b47dcee236eb61165e046f9b1de65d6aee6fbe0168"),
        ("pre", "d7f847d53430e03e9b9a845d1e22eeb00103ae89ebf1e6342bf658acb776f7bf"),
        (np.arange(3.0), "2ea88078213de1caac6a9c7bd8836874afb8e052370853fedc75b5c57752e7d5"),
        (
            {"b": 1, "a": [True, None]},
            "28c2784b26e63f95dfe8ee4e56cabfd30d31f2381af99afc14ce5d070307b552",
        ),
    ],
)
def test_known_hash_values_never_change(value, digest):
    # Every stored cache key depends on these: a change needs a new HASH_PREFIX.
    assert content_hash(value) == digest
