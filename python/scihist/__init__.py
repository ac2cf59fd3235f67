"""scihist: SciStack in one import — storage, lineage, caching and for_each together.

``from scihist import *`` gives the whole API of the layers below (scidb's variables and
database, scilineage's ``lineage_fcn`` and ``Thunk``, scifor's schema and ``Col``), with
scihist's own :func:`for_each`, which records lineage for every output and skips
combinations that are already computed::

    from scihist import *

    db = configure_database("study.duckdb", ["subject", "session"])
    for_each(bandpass_filter, inputs={"signal": RawEMG, "low_hz": 20},
             outputs=[FilteredEMG], subject=[1, 2, 3], session=["pre", "post"])
"""

from scidb import *  # noqa: F401,F403 - re-exported on purpose
from scidb import __all__ as _scidb_all
from scifor import Col, Select, get_schema, set_schema  # noqa: F401 - re-exported
from scilineage import *  # noqa: F401,F403 - re-exported on purpose
from scilineage import __all__ as _scilineage_all

from .foreach import for_each

__all__ = sorted(
    (set(_scidb_all) | set(_scilineage_all) | {"Col", "Select", "get_schema", "set_schema"})
    - {"for_each"}
) + ["for_each"]
