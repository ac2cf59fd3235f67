"""The SciStack engine: every rule of SciStack, implemented once.

The engine holds the value model (what can be stored and how it is encoded), the content
hash, storage in DuckDB, versioning, the lineage cache-key rule, for_each planning and the
run log. The Python packages ``scifor``, ``scidb``, ``scilineage`` and ``scihist`` and the
MATLAB toolbox are thin fronts over it; neither re-implements what lives here.
"""

__version__ = "0.1.0"
