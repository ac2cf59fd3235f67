"""Path inputs (``PathTemplate``): the file's content is part of the cache key, so an
edited file runs again and every other combination stays cached."""

from __future__ import annotations

import os

import pandas as pd

import scihist
from scidb import BaseVariable, PathTemplate
from scistack_engine.hashing import file_hash


class Imported(BaseVariable):
    pass


calls: list[str] = []


def import_csv(path):
    calls.append(path)
    return float(pd.read_csv(path)["v"].sum())


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)


def run():
    return scihist.for_each(
        import_csv,
        inputs={"path": PathTemplate("raw/{subject}/{session}.csv")},
        outputs=[Imported],
        subject=[1, 2],
        session=["pre"],
    )


def test_an_edited_file_runs_again_and_the_others_stay_cached(scidb_db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    calls.clear()
    write("raw/1/pre.csv", "v\n1\n2\n")
    write("raw/2/pre.csv", "v\n10\n")
    assert run()["status"].tolist() == ["done", "done"]
    assert run()["status"].tolist() == ["cached", "cached"]
    write("raw/1/pre.csv", "v\n1\n2\n3\n")  # edited: another size and content
    again = run()
    assert again["status"].tolist() == ["done", "cached"]
    assert calls == ["raw/1/pre.csv", "raw/2/pre.csv", "raw/1/pre.csv"]
    assert Imported.load(subject=1, session="pre").data == 6.0
    assert Imported.load(subject=2, session="pre").data == 10.0
    provenance = scidb_db.get_provenance(Imported, subject=1, session="pre")
    assert provenance["function_name"] == "import_csv"


def test_the_same_content_at_another_path_is_another_input(scidb_db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write("raw/1/pre.csv", "v\n5\n")
    write("raw/2/pre.csv", "v\n5\n")
    run()
    one, two = (scidb_db.get_provenance(Imported, subject=s, session="pre") for s in (1, 2))
    assert one["inputs"]["path"]["content_hash"] != two["inputs"]["path"]["content_hash"]
    assert one["cache_key"] != two["cache_key"]


def test_file_hash_reads_content_and_folders(tmp_path):
    first, second = tmp_path / "a.bin", tmp_path / "b.bin"
    first.write_bytes(b"same")
    second.write_bytes(b"same")
    assert file_hash(str(first)) == file_hash(str(second))
    second.write_bytes(b"other!")
    assert file_hash(str(first)) != file_hash(str(second))
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "x.txt").write_text("1")
    before = file_hash(str(folder))
    (folder / "x.txt").write_text("22")
    assert file_hash(str(folder)) != before


def test_the_root_folder_is_joined_in_front_as_it_is():
    from scistack_engine.gateway.scidb import _input_spec
    from scistack_engine.planner import path_template

    assert path_template("{subject}.csv") == "{subject}.csv"
    assert path_template("{subject}.csv", "") == "{subject}.csv"
    joined = path_template("{subject}.csv", os.path.join("data{1}", "raw"))
    assert joined == os.path.join("data{{1}}", "raw", "{subject}.csv")
    assert joined.format(subject=2) == os.path.join("data{1}", "raw", "2.csv")
    # MATLAB's scidb.PathTemplate sends the root folder; the engine joins it the same way
    sent = {"kind": "path", "template": "{subject}.csv", "root_folder": "data{1}"}
    assert _input_spec("p", sent)["template"] == path_template("{subject}.csv", "data{1}")
    assert _input_spec("p", {**sent, "root_folder": ""})["template"] == "{subject}.csv"
    assert PathTemplate("{subject}.csv", root_folder="data{1}").full_template == \
        path_template("{subject}.csv", "data{1}")
