"""Export to csv and parquet (read back through DuckDB), to .mat (read back by Octave's
load: class and size of every golden value .mat can hold), and the provenance sidecar."""

from __future__ import annotations

import json
import pathlib
import sys

import duckdb
import numpy as np
import pytest

import inspection_pipeline
from scistack_engine import cli
from scistack_engine.errors import UnsupportedValueError
from scistack_engine.inspection.export import export_variable, sidecar_path
from scistack_engine.store import Database

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures"))
from golden_values import golden_values  # noqa: E402

#: MATLAB class and size that load gives for each golden value .mat can hold.
MAT_EXPECTED = {
    "none": ("double", [0, 0]), "true": ("logical", [1, 1]), "int_small": ("double", [1, 1]),
    "int_negative": ("double", [1, 1]), "float_pi": ("double", [1, 1]),
    "float_nan": ("double", [1, 1]), "float_neg_inf": ("double", [1, 1]),
    "complex": ("double", [1, 1]), "str_ascii": ("char", [1, 3]),
    "str_empty": ("char", [0, 0]), "vector_f8": ("double", [3, 1]),
    "matrix_f8_2x3": ("double", [2, 3]), "array_i4_2x3x2": ("int32", [2, 3, 2]),
    "row_f4_1x3": ("single", [1, 3]), "vector_u8": ("uint64", [3, 1]),
    "vector_i2": ("int16", [2, 1]), "vector_bool": ("logical", [3, 1]),
    "vector_c16": ("double", [2, 1]), "empty_0x3": ("double", [0, 3]),
    "scalar_array_0d": ("double", [1, 1]), "np_int16": ("int16", [1, 1]),
    "np_float32": ("single", [1, 1]), "list_mixed": ("cell", [4, 1]),
    "tuple_pair": ("cell", [2, 1]), "dict_nested": ("struct", [1, 1]),
}
#: Golden values .mat cannot hold, refused with a message naming what.
MAT_REFUSED = {"int_huge": "outside int64", "dataframe_mixed": "DataFrame",
               "datetime_utc": "datetime", "date": "date",
               "str_unicode": "outside the Basic Multilingual Plane"}


@pytest.fixture(scope="module")
def pipeline_db(tmp_path_factory) -> str:
    return str(inspection_pipeline.build(tmp_path_factory.mktemp("export") / "gait.duckdb"))


def test_parquet_round_trip_through_duckdb(pipeline_db, tmp_path):
    out = tmp_path / "steps.parquet"
    with Database(pipeline_db, None, read_only=True) as db:
        summary = export_variable(db, "StepLength", out, where={"session": "pre"})
        expected = db.cx.execute(
            "SELECT * FROM StepLength WHERE session = 'pre' ORDER BY record_id").fetchall()
    assert summary["rows"] == summary["records"] == 15 and summary["format"] == "parquet"
    back = duckdb.sql(f"SELECT * FROM read_parquet('{out}') ORDER BY record_id").fetchall()
    assert back == expected
    types = dict(duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{out}')").fetchall()[i][:2]
                 for i in range(6))
    assert types["subject"] == "BIGINT" and types["value"] == "DOUBLE[]"


def test_csv_round_trip_and_sidecar(pipeline_db, tmp_path):
    out = tmp_path / "means.csv"
    with Database(pipeline_db, None, read_only=True) as db:
        export_variable(db, "MeanStepLength", out, where={"subject": [1, 3]})
        expected = db.cx.execute("SELECT subject, session, value, version, record_id FROM "
                                 "MeanStepLength WHERE subject IN (1, 3) ORDER BY record_id"
                                 ).fetchall()
    back = duckdb.sql(f"SELECT subject, session, value, version, record_id FROM "
                      f"read_csv('{out}') ORDER BY record_id").fetchall()
    assert back == expected
    sidecar = json.loads(pathlib.Path(sidecar_path(out)).read_text())
    assert sidecar["variable"] == "MeanStepLength" and sidecar["format"] == "csv"
    assert sidecar["where"] == {"subject": [1, 3]} and sidecar["n_records"] == 4
    assert sorted(r["record_id"] for r in sidecar["records"]) == sorted(r[4] for r in expected)
    first = sidecar["records"][0]
    assert first["function"] == "compute_mean" and len(first["fingerprint"]) == 64
    assert first["inputs"]["values"]["variable"] == "StepLength"
    assert set(first) >= {"metadata", "version", "content_hash", "constants"}


def test_export_to_csv_from_scidb(pipeline_db, tmp_path, scidb_unconfigured):
    import scidb

    db = scidb.configure_database(pipeline_db, ["subject", "session", "trial"], read_only=True)
    try:
        summary = db.export_to_csv("ScaledMean", tmp_path / "scaled.csv", session="post")
    finally:
        scidb.close(db)
    assert summary["rows"] == 1
    sidecar = json.loads(pathlib.Path(summary["provenance"]).read_text())
    assert sidecar["records"][0]["constants"] == {"factor": {"content_hash": sidecar["records"][0]
                                                             ["constants"]["factor"]["content_hash"],
                                                             "value": 2}}


def golden_db(path: pathlib.Path, names) -> None:
    with Database(str(path), ["name"]) as db:
        values = golden_values()
        for name in names:
            db.save("Golden", values[name], {"name": name})


def test_values_without_sql_form_are_refused_for_csv(tmp_path):
    path = tmp_path / "golden.duckdb"
    golden_db(path, ["list_mixed", "float_pi"])
    with Database(str(path), None, read_only=True) as db:
        with pytest.raises(
            UnsupportedValueError, match="Golden holds values with no SQL form.*mat"
        ):
            export_variable(db, "Golden", tmp_path / "g.csv")
        with pytest.raises(UnsupportedValueError, match="formats are csv, parquet, mat"):
            export_variable(db, "Golden", tmp_path / "g.xlsx")
    assert not (tmp_path / "g.csv").exists()


@pytest.mark.parametrize("name", sorted(MAT_REFUSED))
def test_mat_refuses_what_it_cannot_hold(tmp_path, name):
    path = tmp_path / "golden.duckdb"
    golden_db(path, [name])
    with Database(str(path), None, read_only=True) as db:
        with pytest.raises(UnsupportedValueError, match=f"Golden at name='{name}'.*"
                                                        f"{MAT_REFUSED[name]}"):
            export_variable(db, "Golden", tmp_path / "g.mat")


@pytest.mark.octave
def test_mat_loads_in_octave_with_the_class_and_size_of_the_type_map(tmp_path):
    from octave_support import run_octave

    path = tmp_path / "golden.duckdb"
    golden_db(path, sorted(MAT_EXPECTED))
    out = tmp_path / "golden.mat"
    assert cli.main(["export", str(path), "Golden", "-o", str(out)]) == 0
    helper = ("function t = value_text(v)\n if isnumeric(v) || islogical(v)\n"
              "  t = mat2str(double(v(:)'), 17);\n elseif ischar(v)\n  t = v;\n"
              " else\n  t = '';\n end\nend\n")
    (tmp_path / "value_text.m").write_text(helper)
    code = (f"load('{out}'); for i = 1:numel(Golden), g = Golden(i); v = g.value; "
            "printf('%s|%s|%s|%d|%s\\n', g.name, class(v), mat2str(size(v)), iscomplex(v), "
            "value_text(v)); end")
    result = run_octave(f"addpath('{tmp_path}'); " + code)
    rows = {line.split("|")[0]: line.split("|")[1:] for line in result.stdout.splitlines()
            if "|" in line}
    assert set(rows) == set(MAT_EXPECTED)
    for name, (cls, size) in MAT_EXPECTED.items():
        got_class, got_size, complex_flag, text = rows[name]
        assert (got_class, got_size) == (cls, "[" + " ".join(map(str, size)) + "]"), name
        assert complex_flag == ("1" if name in ("complex", "vector_c16") else "0"), name
    values = golden_values()
    assert rows["str_ascii"][3] == "pre"
    assert float(rows["float_pi"][3]) == values["float_pi"]
    assert rows["vector_u8"][3] == "[0 255 65536]"
    assert rows["array_i4_2x3x2"][3] == mat2str_order(values["array_i4_2x3x2"])
    assert rows["float_nan"][3] == "NaN" and rows["float_neg_inf"][3] == "-Inf"


def test_mat_text_outside_ascii_as_matlab_reads_it(tmp_path):
    # GNU Octave 7.3 misreads non-ASCII text in v5 files; scipy reads it as MATLAB does
    from scipy.io import loadmat

    path = tmp_path / "text.duckdb"
    with Database(str(path), ["name"]) as db:
        db.save("Text", "µV – Δt", {"name": "units"})
        export_variable(db, "Text", tmp_path / "t.mat")
    assert loadmat(tmp_path / "t.mat")["Text"][0, 0]["value"][0] == "µV – Δt"


def mat2str_order(array: np.ndarray) -> str:
    """``mat2str(v(:)')`` of an array: its values in MATLAB's column-major order."""
    return "[" + " ".join(str(int(v)) for v in array.flatten(order="F")) + "]"


def test_export_command(capsys, pipeline_db, tmp_path):
    out = tmp_path / "ratio.parquet"
    assert cli.main(["export", pipeline_db, "StepRatio", "-o", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["rows"] == 2 and pathlib.Path(summary["provenance"]).exists()
    assert cli.main(["export", pipeline_db, "StepLength", "--format", "csv", "-o",
                     str(tmp_path / "x"), "--where", "subject=2", "--where", "trial=1"]) == 0
    assert "wrote 2 rows" in capsys.readouterr().out
    assert cli.main(["export", pipeline_db, "StepLength", "-o", str(tmp_path / "x.csv"),
                     "--where", "nokey=1"]) == 6
    assert "no key 'nokey'" in capsys.readouterr().err


def test_sidecar_of_dataframe_records_streamed_in_several_batches(tmp_path, monkeypatch):
    import pandas as pd

    from scistack_engine.inspection import export

    monkeypatch.setattr(export, "_SIDECAR_BATCH", 2)  # five records: three batches
    path = tmp_path / "frames.duckdb"
    with Database(str(path), ["subject"]) as db:
        for subject in range(5):
            db.save("Table", pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": ["a", "b", "c"]}),
                    {"subject": subject})
        summary = export_variable(db, "Table", tmp_path / "t.parquet")
        ids = {r[0] for r in db.cx.execute("SELECT record_id FROM _records").fetchall()}
        empty = export_variable(db, "Table", tmp_path / "none.csv", where={"subject": 9})
        # the selection's temporary table is dropped after each export
        assert not db.cx.execute("SELECT * FROM duckdb_tables() WHERE temporary").fetchall()
    assert summary["rows"] == 15 and summary["records"] == 5
    sidecar = json.loads(pathlib.Path(summary["provenance"]).read_text())
    assert sidecar["n_records"] == 5 and {r["record_id"] for r in sidecar["records"]} == ids
    assert sorted(r["metadata"]["subject"] for r in sidecar["records"]) == [0, 1, 2, 3, 4]
    assert empty["rows"] == empty["records"] == 0
    assert json.loads(pathlib.Path(empty["provenance"]).read_text())["records"] == []


def test_csv_and_parquet_export_reads_no_index(pipeline_db, tmp_path, monkeypatch):
    # the view's stored signature says what its values and keys are: no per-record index
    from scistack_engine import index

    def no_index(*args, **kwargs):
        raise AssertionError("the export loaded a variable's index")

    monkeypatch.setattr(index.VariableIndex, "from_rows", no_index)
    for fmt in ("csv", "parquet"):
        assert cli.main(["export", pipeline_db, "StepLength", "-o", str(tmp_path / f"s.{fmt}"),
                         "--where", "subject=2"]) == 0
    with Database(pipeline_db, None, read_only=True) as db:
        assert db.view_shape("StepLength").key_types["subject"] == {"int"}
        assert db.view_shape("StepLength").kinds == {"array:f8"}


def matlab_class_and_size(node) -> tuple[str, list[int]]:
    """What MATLAB's load makes of a v7.3 dataset or group, read with h5py alone: the
    MATLAB_class attribute, and the size (HDF5 dimensions reversed; an empty array's size
    is its data)."""
    cls = node.attrs["MATLAB_class"].decode()
    if cls == "struct" and not hasattr(node, "shape"):
        return cls, [1, 1]
    if node.attrs.get("MATLAB_empty", 0):
        return cls, [int(n) for n in node[()]]
    return cls, list(node.shape[::-1])


def test_mat_version_7_3_holds_the_type_map_in_matlab_layout(tmp_path):
    import h5py
    import hdf5storage

    path = tmp_path / "golden.duckdb"
    golden_db(path, sorted(MAT_EXPECTED))
    out = tmp_path / "golden.mat"
    assert cli.main(["export", str(path), "Golden", "-o", str(out), "--mat-version", "7.3"]) == 0
    raw = out.read_bytes()
    text = raw[:116].decode("ascii")
    assert text.startswith("MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: ")
    assert text.rstrip().endswith(" HDF5 schema 1.00 .") and len(text) == 116
    assert raw[116:128] == bytes(8) + b"\x00\x02IM" and raw[128:512] == bytes(384)
    with h5py.File(out, "r") as f:
        assert f.userblock_size == 512
        golden = f["Golden"]
        assert golden.attrs["MATLAB_class"] == b"struct"
        assert [b"".join(n).decode() for n in golden.attrs["MATLAB_fields"]] == [
            "name", "value", "version", "record_id"]
        assert golden["value"].shape == (1, len(MAT_EXPECTED))  # a N x 1 struct array
        seen = {}
        for i in range(len(MAT_EXPECTED)):
            name = f[golden["name"][0, i]][()].T.tobytes().decode("utf-16-le")
            seen[name] = matlab_class_and_size(f[golden["value"][0, i]])
        nested = f[golden["value"][0, sorted(MAT_EXPECTED).index("dict_nested")]]
        assert matlab_class_and_size(nested["inner"]["x"]) == ("double", [2, 1])
    assert seen == {name: (cls, size) for name, (cls, size) in MAT_EXPECTED.items()}
    # an independent reader of MATLAB's v7.3 layout reads the values back
    back = hdf5storage.loadmat(str(out))["Golden"][0]  # its fields, each an N x 1 array
    values = {name.item(): value for name, value in zip(back["name"].flat, back["value"].flat)}
    golden = golden_values()
    np.testing.assert_array_equal(values["array_i4_2x3x2"], golden["array_i4_2x3x2"])
    np.testing.assert_array_equal(values["vector_c16"].ravel(), golden["vector_c16"])
    assert values["vector_u8"].ravel().tolist() == [0, 255, 65536]
    assert values["str_ascii"].item() == "pre" and values["float_pi"].item() == golden["float_pi"]
    assert values["dict_nested"]["inner"][0]["x"][0].ravel().tolist() == [1.0, 2.0]


def test_mat_version_is_chosen_by_size_and_checked(tmp_path, monkeypatch):
    from scistack_engine.inspection import export

    path = tmp_path / "golden.duckdb"
    golden_db(path, ["matrix_f8_2x3"])
    cells = export.to_mat_value([np.zeros(1000), {"x": np.zeros(500)}], "a list")
    assert export._mat_bytes(cells) == 12_000  # cells and structs count what they hold
    monkeypatch.setattr(export, "_MAT_LIMIT", 8)  # 48 bytes of values: "over the limit"
    with Database(str(path), None, read_only=True) as db:
        export_variable(db, "Golden", tmp_path / "auto.mat")
        with pytest.raises(UnsupportedValueError, match="more than a MATLAB v5.*7.3"):
            export_variable(db, "Golden", tmp_path / "v5.mat", mat_version="5")
        with pytest.raises(UnsupportedValueError, match="only a .mat export takes one"):
            export_variable(db, "Golden", tmp_path / "g.csv", mat_version="7.3")
        with pytest.raises(UnsupportedValueError, match="versions are 5, 7.3"):
            export_variable(db, "Golden", tmp_path / "g.mat", mat_version="7")
    assert (tmp_path / "auto.mat").read_bytes().startswith(b"MATLAB 7.3 MAT-file")
    assert not (tmp_path / "v5.mat").exists()


@pytest.mark.octave
def test_octave_reads_a_v7_3_export_only_as_plain_hdf5(tmp_path):
    # GNU Octave 7.3's load reads HDF5 files of its own layout; MATLAB's v7.3 layout it reads
    # as plain HDF5: MATLAB_class is ignored and object references (cells, struct arrays)
    # are unreadable, so an export's struct array does not load (docs/cli.md says so)
    from octave_support import run_octave

    path = tmp_path / "golden.duckdb"
    golden_db(path, ["vector_f8"])
    out = tmp_path / "golden.mat"
    with Database(str(path), None, read_only=True) as db:
        export_variable(db, "Golden", out, mat_version="7.3")
    result = run_octave(f"x = load('{out}'); printf('fields:%d\\n', numel(fieldnames(x.Golden)));")
    assert "can't read 'value' (unknown datatype)" in result.stdout + result.stderr
    assert "fields:0" in result.stdout


def test_mat_version_7_3_without_h5py_says_what_to_do(tmp_path, monkeypatch):
    # inside MATLAB or Octave, whose own HDF5 library is loaded, h5py fails to import
    path = tmp_path / "golden.duckdb"
    golden_db(path, ["float_pi"])
    monkeypatch.setitem(sys.modules, "h5py", None)  # import h5py raises ImportError
    with Database(str(path), None, read_only=True) as db:
        with pytest.raises(UnsupportedValueError, match="needs h5py, which cannot be "
                                                        "imported here.*from a shell"):
            export_variable(db, "Golden", tmp_path / "g.mat", mat_version="7.3")
