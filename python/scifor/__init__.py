"""scifor: batch execution over in-memory pandas DataFrames.

Declare which columns identify an experimental condition with :func:`set_schema`, then let
:func:`for_each` call your function once per combination of those keys, each time with the
rows of your DataFrames that belong to the combination, and collect the results in one
tidy DataFrame. scifor needs only NumPy, pandas and tqdm: no database and no tracking,
which the layers above it (scidb, scilineage, scihist) add.

>>> from scifor import set_schema, for_each
>>> set_schema(["subject", "session"])
>>> results = for_each(bandpass_filter, inputs={"signal": raw_df, "low_hz": 20},
...                    subject=[1, 2, 3], session=["pre", "post"])  # doctest: +SKIP

Logging goes to the ``scifor`` logger (skips at INFO, errors at ERROR). The three steps of
``for_each`` (plan, execute, collect) are available one at a time in :mod:`scifor.protocol`,
for fronts and executors that call the function elsewhere.
"""

from __future__ import annotations

import logging

from scistack_engine.executors import Dask, Processes

from .errors import FilterError, InputError, OutputError, SchemaError, SciforError
from .filters import Col, Filter
from .inputs import Fixed, Merge, Select
from .loop import for_each
from .schema import get_schema, set_schema

__all__ = [
    "set_schema",
    "get_schema",
    "for_each",
    "Processes",
    "Dask",
    "Fixed",
    "Merge",
    "Select",
    "Col",
    "Filter",
    "SciforError",
    "SchemaError",
    "InputError",
    "FilterError",
    "OutputError",
]

__version__ = "0.1.0"

logging.getLogger("scifor").addHandler(logging.NullHandler())
