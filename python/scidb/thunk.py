"""``from scidb.thunk import Thunk``: the lineage wrapper of :mod:`scilineage`, here too."""

from scilineage import Thunk, lineage_fcn

__all__ = ["Thunk", "lineage_fcn"]
