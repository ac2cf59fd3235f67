"""Names and arguments the product description uses: ``dataset_schema_keys=`` and the
places ``Thunk`` and ``lineage_fcn`` are imported from."""

from __future__ import annotations

import pytest

import scidb
from scidb import BaseVariable, configure_database, get_database


class Keyed(BaseVariable):
    pass


def test_dataset_schema_keys_keyword_configures_the_keys(scidb_path, scidb_unconfigured):
    db = configure_database(scidb_path, dataset_schema_keys=["subject", "session"])
    assert get_database() is db
    assert db.schema_keys == ["subject", "session"]
    Keyed.save(2.0, subject=1, session="pre")
    scidb.close()
    again = configure_database(scidb_path, ["subject", "session"])
    assert again.schema_keys == ["subject", "session"]
    assert Keyed.load(subject=1, session="pre").data == 2.0


def test_dataset_schema_keys_keyword_is_checked_against_the_file(scidb_path,
                                                                scidb_unconfigured):
    configure_database(scidb_path, ["subject"])
    scidb.close()
    with pytest.raises(scidb.SchemaMismatchError):
        configure_database(scidb_path, dataset_schema_keys=["subject", "session"])


@pytest.mark.parametrize("arguments", [{}, {"schema_keys": ["subject"],
                                            "dataset_schema_keys": ["subject"]}])
def test_schema_keys_are_given_exactly_once(scidb_path, scidb_unconfigured, arguments):
    with pytest.raises(TypeError, match="dataset_schema_keys"):
        configure_database(scidb_path, **arguments)
    assert not scidb_path.exists()


def test_scihist_configure_database_takes_the_keyword(scidb_path, scidb_unconfigured):
    import scihist

    db = scihist.configure_database(scidb_path, dataset_schema_keys=["subject"])
    assert db.schema_keys == ["subject"]


def test_thunk_and_lineage_fcn_import_from_where_the_description_says():
    import scilineage
    from scidb import Thunk as ScidbThunk
    from scidb.thunk import Thunk as ModuleThunk
    from scilineage import Thunk, lineage_fcn

    assert ScidbThunk is Thunk and ModuleThunk is Thunk
    assert "Thunk" in scidb.__all__

    def double(x):
        return 2 * x

    wrapped = ScidbThunk(double)
    assert isinstance(wrapped, scilineage.Thunk)
    assert wrapped(3).data == 6
    assert isinstance(lineage_fcn(double), Thunk)
