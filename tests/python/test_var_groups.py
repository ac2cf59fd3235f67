"""Variable groups: named sets of variables kept in the database, usable as for_each inputs."""

from __future__ import annotations

import warnings

import duckdb
import pytest

import scidb
from scidb import (
    BaseVariable,
    NotFoundError,
    ReadOnlyError,
    VariableNameWarning,
    configure_database,
)
from scidb.variable import VariableMeta, variable_class
from scistack_engine import var_groups


class GroupedKinematics(BaseVariable):
    pass


class GroupedSteps(BaseVariable):
    pass


class GaitSummary(BaseVariable):
    pass


def names(classes):
    return [cls.__name__ for cls in classes]


def test_groups_take_classes_or_names_and_return_classes(scidb_db):
    scidb_db.add_to_var_group("kinematics", [GroupedKinematics, "GroupedSteps"])
    scidb_db.add_to_var_group("kinematics", GroupedSteps)  # already there: kept once
    scidb_db.add_to_var_group("outcomes", "GaitSummary")
    members = scidb_db.get_var_group("kinematics")
    assert members == [GroupedKinematics, GroupedSteps]  # the classes that have the names
    assert scidb_db.list_var_groups() == ["kinematics", "outcomes"]
    scidb_db.remove_from_var_group("kinematics", GroupedKinematics)
    assert scidb_db.get_var_group("kinematics") == [GroupedSteps]
    scidb_db.remove_from_var_group("kinematics", [GroupedSteps])
    assert scidb_db.list_var_groups() == ["outcomes"]


def test_a_member_without_a_class_gets_one(scidb_db):
    scidb_db.add_to_var_group("later", ["NotYetDefined"])
    (cls,) = scidb_db.get_var_group("later")
    assert issubclass(cls, BaseVariable) and cls.__name__ == "NotYetDefined"


def test_groups_are_kept_in_the_file(scidb_path, scidb_unconfigured):
    db = configure_database(scidb_path, ["subject"])
    db.add_to_var_group("kinematics", [GroupedSteps, GroupedKinematics])
    scidb.close()
    con = duckdb.connect(str(scidb_path), read_only=True)
    rows = con.execute("SELECT group_name, variable FROM _var_groups ORDER BY variable").fetchall()
    con.close()
    assert rows == [("kinematics", "GroupedKinematics"), ("kinematics", "GroupedSteps")]
    again = configure_database(scidb_path, ["subject"], read_only=True)
    assert again.get_var_group("kinematics") == [GroupedKinematics, GroupedSteps]
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


def _stride(GroupedKinematics, GroupedSteps):
    return float(GroupedKinematics) + float(GroupedSteps)


def test_a_group_is_a_for_each_input_set(scidb_db):
    class Stride(BaseVariable):
        pass

    for subject in (1, 2):
        GroupedKinematics.save(10.0 * subject, subject=subject, session="pre")
        GroupedSteps.save(0.5, subject=subject, session="pre")
    scidb_db.add_to_var_group("kinematics", [GroupedKinematics, GroupedSteps])
    result = scidb.for_each(_stride, inputs=scidb_db.get_var_group("kinematics"),
                            outputs=[Stride], subject=[1, 2], session=["pre"])
    assert result["status"].tolist() == ["done", "done"]
    assert [v.data for v in Stride.load_all()] == [10.5, 20.5]
    with pytest.raises(TypeError, match="variable group"):
        scidb.for_each(_stride, inputs=[GroupedKinematics, 3], outputs=[Stride], subject=[1])


def defined_in(module, name):
    """The class statement ``class <name>(BaseVariable): pass`` run in the module ``module``."""
    return VariableMeta(name, (BaseVariable,), {"__module__": module})


def test_one_name_in_two_modules_is_one_variable_and_the_later_class_answers(scidb_db):
    first = defined_in("lab_first", "TwiceNamed")
    with pytest.warns(VariableNameWarning,
                      match=r"lab_first\.TwiceNamed and again in lab_second\.TwiceNamed"):
        second = defined_in("lab_second", "TwiceNamed")
    first.save(1.5, subject=1, session="pre")
    assert second.load(subject=1, session="pre").data == 1.5  # one variable in the file
    scidb_db.add_to_var_group("twice", [first])
    assert scidb_db.get_var_group("twice") == [second]
    assert variable_class("TwiceNamed") is second


def test_redefining_in_one_module_or_after_a_class_made_by_name_does_not_warn(scidb_db):
    scidb_db.add_to_var_group("later", ["DefinedAfterTheGroup"])
    (made,) = scidb_db.get_var_group("later")
    with warnings.catch_warnings():
        warnings.simplefilter("error", VariableNameWarning)
        defined_in("notebook", "RunTwice")
        again = defined_in("notebook", "RunTwice")  # a notebook cell run again
        real = defined_in("lab_types", "DefinedAfterTheGroup")
    assert variable_class("RunTwice") is again
    assert made is not real and scidb_db.get_var_group("later") == [real]
