"""Variable types that store a type of their own through ``to_db``/``from_db``."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

import scidb
import scihist
from scidb import BaseVariable, UnsupportedValueError


@dataclass(frozen=True)
class Interval:
    """A type the value model does not hold."""

    start: float
    stop: float


class Window(BaseVariable):
    def to_db(self):
        return {"start": self.data.start, "stop": self.data.stop}

    @classmethod
    def from_db(cls, stored):
        return Interval(stored["start"], stored["stop"])


class Width(BaseVariable):
    pass


class Doubled(Window):
    """Inherits the serialisation of Window."""


def test_a_custom_type_saves_and_loads_as_itself(scidb_db):
    record_id = Window.save(Interval(0.5, 2.0), subject=1, session="pre")
    assert Window.save(Interval(0.5, 2.0), subject=1, session="pre") == record_id
    loaded = Window.load(subject=1, session="pre")
    assert loaded.data == Interval(0.5, 2.0)
    assert [w.data for w in Window.load_all()] == [Interval(0.5, 2.0)]
    assert Window.load_all(as_df=True)["data"].tolist() == [Interval(0.5, 2.0)]
    Window.save(loaded, subject=2, session="pre")  # a loaded instance saves its data
    assert Window.load(subject=2, session="pre").data == Interval(0.5, 2.0)
    stored = scidb_db.con.sql('SELECT * FROM "Window"').fetchall()
    assert len(stored) == 2  # the view holds the stored form
    with pytest.raises(UnsupportedValueError):
        Width.save(Interval(0.0, 1.0), subject=1, session="pre")


def width(window):
    return window.stop - window.start


def widen(window, by):
    return Interval(window.start - by, window.stop + by)


@pytest.mark.parametrize("run", [scidb.for_each, scihist.for_each])
def test_for_each_passes_and_saves_the_custom_type(scidb_db, run):
    Window.save(Interval(1.0, 4.0), subject=1, session="pre")
    result = run(width, inputs={"window": Window}, outputs=[Width], subject=[1], session=["pre"])
    assert result["status"].tolist() == ["done"]
    assert Width.load(subject=1, session="pre").data == 3.0
    run(widen, inputs={"window": Window, "by": 0.5}, outputs=[Doubled], subject=[1],
        session=["pre"])
    assert Doubled.load(subject=1, session="pre").data == Interval(0.5, 4.5)


def test_save_from_dataframe_stores_through_to_db(scidb_db):
    import pandas as pd

    frame = pd.DataFrame({"subject": [1, 2], "w": [Interval(0, 1), Interval(2, 5)]})
    Window.save_from_dataframe(frame, "w", ["subject"])
    assert [w.data for w in Window.load_all()] == [Interval(0, 1), Interval(2, 5)]
