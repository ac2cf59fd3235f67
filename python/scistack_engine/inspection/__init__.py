"""Looking at a database without changing it: what it holds, what ran, what is stale.

One module per concept, all read-only:

* ``info`` -- the file at a glance; ``summary`` -- variables and one record in full;
* ``runs`` -- reading the run log; ``records`` -- the current records and what made them;
* ``status`` -- done / error / stale / missing, per record and over a grid;
  ``grid_table`` -- how a grid of any number of keys is shown as a table;
* ``graph`` -- the pipeline as one graph model; ``layout`` -- its deterministic layered
  layout; ``svg``, ``html``, ``text_formats`` -- the pictures and text renderings;
  ``pictures`` -- one entry for every rendering;
* ``report`` -- the HTML report of one run; ``export`` -- a variable to csv, parquet or
  ``.mat`` with a provenance sidecar.

The ``scistack`` command (:mod:`scistack_engine.cli`) is a thin layer over these; nothing
here is imported until used, so the command starts fast.
"""
