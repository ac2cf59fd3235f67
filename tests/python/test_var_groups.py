"""Variable groups: named sets of variables kept in the database, usable as for_each inputs."""

from __future__ import annotations

import duckdb
import pytest

import scidb
from scidb import BaseVariable, NotFoundError, ReadOnlyError, configure_database
from scistack_engine import var_groups


class RawKinematicData(BaseVariable):
    pass


class StepLength(BaseVariable):
    pass


class GaitSummary(BaseVariable):
    pass


def test_groups_take_classes_or_names_and_return_classes(scidb_db):
    scidb_db.add_to_var_group("kinematics", [RawKinematicData, "StepLength"])
    scidb_db.add_to_var_group("kinematics", StepLength)  # already there: kept once
    scidb_db.add_to_var_group("outcomes", "GaitSummary")
    assert scidb_db.get_var_group("kinematics") == [RawKinematicData, StepLength]
    assert scidb_db.list_var_groups() == ["kinematics", "outcomes"]
    scidb_db.remove_from_var_group("kinematics", RawKinematicData)
    assert scidb_db.get_var_group("kinematics") == [StepLength]
    scidb_db.remove_from_var_group("kinematics", [StepLength])
    assert scidb_db.list_var_groups() == ["outcomes"]


def test_a_member_without_a_class_gets_one(scidb_db):
    scidb_db.add_to_var_group("later", ["NotYetDefined"])
    (cls,) = scidb_db.get_var_group("later")
    assert issubclass(cls, BaseVariable) and cls.__name__ == "NotYetDefined"


def test_groups_are_kept_in_the_file(scidb_path, scidb_unconfigured):
    db = configure_database(scidb_path, ["subject"])
    db.add_to_var_group("kinematics", [StepLength, RawKinematicData])
    scidb.close()
    con = duckdb.connect(str(scidb_path), read_only=True)
    rows = con.execute("SELECT group_name, variable FROM _var_groups ORDER BY variable").fetchall()
    con.close()
    assert rows == [("kinematics", "RawKinematicData"), ("kinematics", "StepLength")]
    again = configure_database(scidb_path, ["subject"], read_only=True)
    assert again.get_var_group("kinematics") == [RawKinematicData, StepLength]
    with pytest.raises(ReadOnlyError, match="kinematics"):
        again.add_to_var_group("kinematics", GaitSummary)


def test_an_unknown_group_names_the_groups_there(scidb_db):
    with pytest.raises(NotFoundError, match="groups: none yet"):
        scidb_db.get_var_group("kinematics")
    scidb_db.add_to_var_group("emg", "RawEMG")
    with pytest.raises(NotFoundError, match="groups: emg"):
        scidb_db.get_var_group("kinematics")
    with pytest.raises(NotFoundError):
        scidb_db.remove_from_var_group("kinematics", "RawEMG")
    with pytest.raises(scidb.MetadataError, match="variable group name"):
        var_groups.add_to_var_group(scidb_db, "bad name", ["RawEMG"])


def _stride(RawKinematicData, StepLength):
    return float(RawKinematicData) + float(StepLength)


def test_a_group_is_a_for_each_input_set(scidb_db):
    class Stride(BaseVariable):
        pass

    for subject in (1, 2):
        RawKinematicData.save(10.0 * subject, subject=subject, session="pre")
        StepLength.save(0.5, subject=subject, session="pre")
    scidb_db.add_to_var_group("kinematics", [RawKinematicData, StepLength])
    result = scidb.for_each(_stride, inputs=scidb_db.get_var_group("kinematics"),
                            outputs=[Stride], subject=[1, 2], session=["pre"])
    assert result["status"].tolist() == ["done", "done"]
    assert [v.data for v in Stride.load_all()] == [10.5, 20.5]
    with pytest.raises(TypeError, match="variable group"):
        scidb.for_each(_stride, inputs=[RawKinematicData, 3], outputs=[Stride], subject=[1])
