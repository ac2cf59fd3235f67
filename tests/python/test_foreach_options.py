"""The for_each options, checked once for Python and MATLAB (scistack_engine.foreach_options)."""

from __future__ import annotations

import numpy as np
import pytest

from scistack_engine.errors import (
    ExecutorOptionError,
    FilterOptionError,
    ForEachOptionError,
    GatewayError,
    MetadataError,
)
from scistack_engine.foreach_options import ForEachOptions, settle_options, split_pairs


def test_nothing_given_is_every_default():
    assert settle_options({}, lineage=False) == ForEachOptions()
    assert settle_options({}, lineage=True).skip_computed is True
    settled = settle_options({"progress": None, "batch_size": np.zeros((0, 0))}, lineage=False)
    assert settled.progress is None and settled.batch_size == 500


def test_matlab_forms_are_read_like_python_ones():
    matlab = settle_options({"dry_run": 1.0, "save": np.bool_(False), "batch_size": 20.0,
                             "as_table": np.array(["a", "b"], dtype=object),
                             "where": "subject > 2", "progress": np.array([[1.0]])},
                            lineage=False, language="matlab")
    python = settle_options({"dry_run": True, "save": False, "batch_size": 20,
                             "as_table": ["a", "b"], "where": {"op": "sql", "sql": "subject > 2"},
                             "progress": True}, lineage=False)
    assert matlab == python
    assert isinstance(matlab.batch_size, int)
    assert settle_options({"as_table": "a"}, lineage=False).as_table == ["a"]


def test_force_and_skip_computed_are_for_lineage_runs_only():
    assert settle_options({"force": True}, lineage=True).skip_computed is False
    assert settle_options({"skip_computed": False}, lineage=True).skip_computed is False
    with pytest.raises(ForEachOptionError, match="unknown option 'force'"):
        settle_options({"force": True}, lineage=False)


@pytest.mark.parametrize("given, error, text", [
    ({"on_error": "stop"}, ForEachOptionError, "'on_error' is 'continue'"),
    ({"on_error": np.array([1.0, 2.0])}, ForEachOptionError, "on_error"),
    ({"batch_size": 0}, ForEachOptionError, "positive whole number"),
    ({"batch_size": 2.5}, ForEachOptionError, "positive whole number"),
    ({"batch_size": True}, ForEachOptionError, "positive whole number"),
    ({"dry_run": "yes"}, ForEachOptionError, "'dry_run' takes true or false"),
    ({"as_table": [1, 2]}, ForEachOptionError, "as_table"),
    ({"where": 42}, FilterOptionError, "not 42 \\(int\\)"),
    ({"executor": "threads"}, ExecutorOptionError, "not 'threads'"),
])
def test_bad_values_are_refused_with_their_identifier(given, error, text):
    with pytest.raises(error, match=text) as caught:
        settle_options(given, lineage=False)
    assert caught.value.identifier.startswith("scistack:foreach:bad")


def test_error_texts_use_the_callers_language():
    with pytest.raises(FilterOptionError, match=r"scidb\.Sql") as matlab:
        settle_options({"where": 1.0}, lineage=False, language="matlab")
    assert matlab.value.identifier == "scistack:foreach:badFilter"
    with pytest.raises(ExecutorOptionError, match="Dask"):
        settle_options({"executor": 3}, lineage=False)
    with pytest.raises(ExecutorOptionError) as caught:
        settle_options({"executor": 3}, lineage=False, language="matlab")
    assert "Dask" not in str(caught.value)


def test_executor_objects_are_taken_where_the_front_allows_them():
    class Pool:
        pass

    pool = Pool()
    assert settle_options({"executor": pool}, lineage=False,
                          executor_types=(Pool,)).executor is pool
    with pytest.raises(ExecutorOptionError):
        settle_options({"executor": pool}, lineage=False)


def test_raise_errors_follows_on_error():
    assert settle_options({"on_error": "raise"}, lineage=False).raise_errors
    assert not settle_options({}, lineage=False).raise_errors


# ------------------------------------------------------------------ MATLAB's pairs


def test_database_pairs_split_options_from_iterables_in_order():
    options, iterables = split_pairs(
        ["subject", np.array([[1.0, 2.0]]), "Dry_Run", True, "session", ["pre", "post"],
         "db", {"handle": 1.0}, "where", {"op": "sql", "sql": "x"}, "subject", 3.0], "scidb")
    assert options == {"dry_run": True, "db": {"handle": 1.0}, "where": {"op": "sql", "sql": "x"}}
    assert list(iterables) == ["subject", "session"]
    assert iterables["subject"] == 3.0  # a later pair replaces the earlier value


def test_scifor_pairs_keep_case_and_refuse_a_key_given_twice():
    options, iterables = split_pairs(["subject", 1.0, "on_error", "raise", "Where", 2.0],
                                     "scifor")
    assert options == {"on_error": "raise"} and iterables == {"subject": 1.0, "Where": 2.0}
    with pytest.raises(GatewayError, match="'subject' twice") as err:
        split_pairs(["subject", 1.0, "subject", 2.0], "scifor")
    assert err.value.identifier == "scistack:scifor:badArguments"


@pytest.mark.parametrize("front, pairs, identifier", [
    ("scifor", ["subject"], "scistack:scifor:badArguments"),
    ("scifor", [3.0, 1.0], "scistack:scifor:badArguments"),
    ("scidb", ["subject"], "scistack:arguments:unpaired"),
    ("scidb", [3.0, 1.0], "scistack:arguments:badName"),
    ("scidb", ["1st", 1.0], "scistack:arguments:badName"),
    ("scidb", ["subject", {"a": 1.0}], "scistack:metadata:invalid"),
    ("scidb", ["subject", [1.0, np.array([[1.0, 2.0]])]], "scistack:metadata:invalid"),
])
def test_bad_pairs_are_refused_with_their_identifier(front, pairs, identifier):
    with pytest.raises((GatewayError, MetadataError)) as err:
        split_pairs(pairs, front)
    assert err.value.identifier == identifier


def test_metadata_values_may_be_numbers_text_or_logicals_one_or_several():
    _, iterables = split_pairs(["a", np.array([[True, False]]), "b", ["x", 1.0, True],
                                "c", np.zeros((0, 0)), "d", "pre"], "scidb")
    assert list(iterables) == ["a", "b", "c", "d"]
