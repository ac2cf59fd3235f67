"""The gateway operations behind scistack.lineage, scistack.report and scidb.export, sent
as MATLAB sends them (doubles for numbers, empty for "not given")."""

from __future__ import annotations

import json

import numpy as np
import pytest

import inspection_pipeline
from scistack_engine import gateway
from scistack_engine.codec import decode, encode


def call(op, **args):
    reply = decode(gateway.handle(encode({"op": op, "args": args})))
    if "error" in reply:
        raise RuntimeError(f"{reply['error']['identifier']}: {reply['error']['message']}")
    return reply["ok"]


@pytest.fixture(scope="module")
def handle(tmp_path_factory):
    path = inspection_pipeline.build(tmp_path_factory.mktemp("gateway") / "gait.duckdb")
    opened = call("db_open", path=str(path), schema_keys=["subject", "session", "trial"],
                  read_only=True)
    yield opened["handle"]
    call("db_close", handle=opened["handle"])


def test_lineage_text_and_file(handle, tmp_path):
    assert call("lineage", handle=handle).startswith("<svg")
    mermaid = call("lineage", handle=handle, format="mermaid", variable="ScaledMean",
                   reduce=np.zeros((0, 0)))
    assert mermaid.startswith("flowchart LR") and "StepRatio" not in mermaid
    out = str(tmp_path / "p.json")
    assert call("lineage", handle=handle, output=out) == out
    assert {"nodes", "edges", "reduced_edges"} == set(json.loads(open(out).read()))
    with pytest.raises(RuntimeError, match="scistack:value:unsupported.*formats are"):
        call("lineage", handle=handle, format="png")


def test_report_of_a_run(handle, tmp_path):
    assert "Run of step_ratio()" in call("report", handle=handle, run="")
    out = str(tmp_path / "r.html")
    assert call("report", handle=handle, output=out) == out
    with pytest.raises(RuntimeError, match="scistack:db:notFound"):
        call("report", handle=handle, run="zzz")


def test_export_with_matlab_metadata(handle, tmp_path):
    out = str(tmp_path / "m.csv")
    summary = call("export", handle=handle, variable="MeanStepLength", path=out,
                   metadata={"subject": np.array([[1.0], [3.0]]), "session": "post"})
    assert summary["rows"] == 2 and summary["format"] == "csv"
    assert summary["provenance"] == out + ".provenance.json"


def test_matlab_s_name_value_pairs_are_read_by_the_engine(handle, tmp_path):
    db = {"handle": handle}
    mermaid = call("lineage", arguments=["Format", "mermaid", "variable", "ScaledMean",
                                         "db", db])
    assert mermaid.startswith("flowchart LR")
    assert "Run of step_ratio()" in call("report", arguments=["run", "", "db", db])
    with pytest.raises(RuntimeError, match="scistack:arguments:unknownOption: "
                                           "scistack.lineage: unknown option 'colour'"):
        call("lineage", arguments=["colour", "red", "db", db])
    with pytest.raises(RuntimeError, match="scistack:arguments:badVariable"):
        call("lineage", arguments=["variable", 3.0, "db", db])
    out = str(tmp_path / "n.csv")
    summary = call("export", variable="MeanStepLength", path=out,
                   arguments=["subject", np.array([[1.0], [3.0]]), "session", "post",
                              "format", "csv", "db", db])
    assert summary["rows"] == 2


def test_export_mat_version_as_matlab_sends_it(handle, tmp_path):
    db = {"handle": handle}
    out = tmp_path / "v73.mat"
    call("export", variable="MeanStepLength", path=str(out),
         arguments=["mat_version", 7.3, "db", db])
    assert out.read_bytes().startswith(b"MATLAB 7.3 MAT-file")
    out = tmp_path / "v5.mat"
    call("export", variable="MeanStepLength", path=str(out),
         arguments=["mat_version", 5.0, "db", db])
    assert out.read_bytes().startswith(b"MATLAB 5.0 MAT-file")
    with pytest.raises(RuntimeError, match="scistack:value:unsupported.*version '6'"):
        call("export", variable="MeanStepLength", path=str(tmp_path / "v6.mat"),
             arguments=["mat_version", 6.0, "db", db])
