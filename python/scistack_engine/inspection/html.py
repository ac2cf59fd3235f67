"""The pipeline as one self-contained HTML file: the SVG picture, each variable's grid and
each record's provenance, with a little plain JavaScript.

The file needs nothing else (no network, no library): the picture is the inline SVG of
:func:`~scistack_engine.inspection.svg.render_svg`; the data the page shows on demand is
one JSON block (``<script type="application/json" id="scistack-data">``):

* ``grids`` -- per variable node, its status grid (:func:`~.status.status_grid`) with the
  record id of each cell;
* ``records`` -- per current record (and per older version an input still names): its
  variable, metadata, version, status with reasons, and what made it (function,
  fingerprint, constants, input record ids by parameter).

The script pans (drag) and zooms (wheel) the picture; clicking a variable shows its grid
in the side panel, clicking a function shows its fingerprint and settings, clicking a grid
cell shows that record's provenance chain, walked upstream through the input record ids,
each record once. A link can open the page on a node and a cell of its grid:
``pipeline.html#node=var:StepLength&cell=3`` clicks them once the page has loaded.
"""

from __future__ import annotations

import json
import os
from html import escape
from typing import Any

from ..store import Database
from .graph import PipelineGraph
from .records import CurrentRecords, Version, in_schema_order, read_current_records
from .status import Staleness, status_grid
from .svg import STATUS_COLOURS, render_svg

__all__ = ["page", "render_html", "graph_data"]


def _record_entry(version: Version, staleness: Staleness) -> dict[str, Any]:
    metadata = in_schema_order(version.metadata, staleness.records.schema_keys)
    entry: dict[str, Any] = {"variable": version.variable, "metadata": metadata,
                             "version": version.version, "latest": version.latest}
    if version.current:
        reasons = staleness.reasons(version)
        entry.update(status="stale" if reasons else "done", reasons=reasons)
    else:
        entry.update(status="replaced", reasons=["a newer version exists"])
    producer = version.producer
    if producer is not None:
        entry.update(function=producer.function, fingerprint=producer.fingerprint,
                     constants=dict(producer.constants),
                     inputs=[[u.parameter, list(u.record_ids)] for u in producer.inputs])
    return entry


def graph_data(db: Database, graph: PipelineGraph, records: CurrentRecords) -> dict[str, Any]:
    """The grids and records the page shows when a node or cell is clicked."""
    staleness = Staleness(records)
    grids: dict[str, Any] = {}
    for node in graph.nodes:
        if node.kind != "variable":
            continue
        grid = status_grid(db, node.label, records=records, staleness=staleness)
        grids[node.id] = {
            "variable": node.label, "keys": grid.keys, "axes": grid.axes,
            "cells": [{"at": list(c.coordinates), "status": c.status,
                       "records": [e.record.record_id for e in c.entries if e.record],
                       "reasons": sorted({r for e in c.entries for r in e.reasons})}
                      for c in grid.cells]}
    wanted = [rid for name in records.by_variable for rid in records.by_variable[name]]
    shown: dict[str, Any] = {}
    while wanted:
        rid = wanted.pop()
        if rid in shown or rid not in records.versions:
            continue
        shown[rid] = _record_entry(records.versions[rid], staleness)
        for _, ids in shown[rid].get("inputs", ()):
            wanted.extend(ids)
    functions = {n.id: {"label": n.label, "fingerprint": n.fingerprint,
                        "language": n.language, "settings": n.settings,
                        "coverage": n.coverage}
                 for n in graph.nodes if n.kind in ("function", "call")}
    return {"grids": grids, "records": dict(sorted(shown.items())), "functions": functions,
            "colours": STATUS_COLOURS}


_STYLE = """
body { margin: 0; font: 13px/1.4 system-ui, sans-serif; color: #263238; display: flex;
       height: 100vh; }
#view { flex: 1; overflow: hidden; cursor: grab; background: #fafafa; }
#view svg { width: 100%; height: 100%; }
#side { width: 420px; overflow: auto; border-left: 1px solid #cfd8dc; padding: 12px; }
h1 { font-size: 15px; margin: 0 0 8px; } h2 { font-size: 14px; margin: 14px 0 6px; }
g.node { cursor: pointer; } g.node.selected rect:first-of-type { stroke: #1565c0;
  stroke-width: 3; }
table.grid { border-collapse: collapse; font: 12px monospace; }
table.grid td, table.grid th { border: 1px solid #cfd8dc; padding: 2px 6px; }
td.cell { cursor: pointer; color: #fff; text-align: center; }
td.cell.selected { outline: 3px solid #1565c0; }
#chain li { margin-bottom: 6px; } .reason { color: #6d4c41; } code { font-size: 12px; }
"""

_SCRIPT = r"""
(function () {
  var data = JSON.parse(document.getElementById('scistack-data').textContent);
  var svg = document.querySelector('#view svg');
  var panel = document.getElementById('panel');
  var chain = document.getElementById('chain');
  var box = svg.viewBox.baseVal;
  var view = {x: box.x, y: box.y, w: box.width, h: box.height};
  function apply() {
    svg.setAttribute('viewBox', view.x + ' ' + view.y + ' ' + view.w + ' ' + view.h);
  }
  svg.addEventListener('wheel', function (ev) {
    ev.preventDefault();
    var r = svg.getBoundingClientRect();
    var fx = (ev.clientX - r.left) / r.width, fy = (ev.clientY - r.top) / r.height;
    var k = ev.deltaY > 0 ? 1.15 : 1 / 1.15;
    var px = view.x + fx * view.w, py = view.y + fy * view.h;
    view.w *= k; view.h *= k; view.x = px - fx * view.w; view.y = py - fy * view.h; apply();
  }, {passive: false});
  var drag = null;
  svg.addEventListener('mousedown', function (ev) {
    drag = {x: ev.clientX, y: ev.clientY, vx: view.x, vy: view.y};
  });
  window.addEventListener('mouseup', function () { drag = null; });
  window.addEventListener('mousemove', function (ev) {
    if (!drag) return;
    var r = svg.getBoundingClientRect();
    view.x = drag.vx - (ev.clientX - drag.x) * view.w / r.width;
    view.y = drag.vy - (ev.clientY - drag.y) * view.h / r.height; apply();
  });
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function meta(m) {
    return Object.keys(m).map(function (k) { return k + '=' + JSON.stringify(m[k]); }).join(', ');
  }
  function showChain(rid) {
    chain.innerHTML = '';
    chain.appendChild(el('h2', 'Provenance'));
    var list = el('ol'); chain.appendChild(list);
    var queue = [rid], seen = {};
    while (queue.length) {
      var id = queue.shift();
      if (seen[id]) continue; seen[id] = true;
      var r = data.records[id]; if (!r) continue;
      var li = el('li'); li.setAttribute('data-record', id);
      li.appendChild(el('b', r.variable + ' ' + meta(r.metadata) + ' v' + r.version));
      li.appendChild(el('span', ' [' + r.status + ']'));
      if (r['function']) {
        var c = Object.keys(r.constants).length ? ' ' + meta(r.constants) : '';
        li.appendChild(el('div',
                          '\u2190 ' + r['function'] + '() @' + r.fingerprint.slice(0, 12) + c));
        r.inputs.forEach(function (inp) { inp[1].forEach(function (x) { queue.push(x); }); });
      } else {
        li.appendChild(el('div', 'saved without lineage'));
      }
      (r.reasons || []).forEach(function (t) { li.appendChild(el('div', t, 'reason')); });
      list.appendChild(li);
    }
  }
  function showGrid(id) {
    var g = data.grids[id];
    panel.innerHTML = ''; chain.innerHTML = '';
    panel.appendChild(el('h1', g.variable));
    var keys = g.keys, across = keys.length > 1 ? g.axes[keys.length - 1] : [null];
    var downKeys = keys.length > 1 ? keys.slice(0, -1) : keys;
    var cells = {};
    g.cells.forEach(function (c) { cells[JSON.stringify(c.at)] = c; });
    var table = el('table', null, 'grid'); table.id = 'grid-table';
    var head = el('tr');
    downKeys.forEach(function (k) { head.appendChild(el('th', k)); });
    across.forEach(function (v) {
      head.appendChild(el('th', v === null ? 'status' : keys[keys.length - 1] + '=' + v));
    });
    table.appendChild(head);
    var rows = [[]];
    downKeys.forEach(function (k, i) {
      var next = [];
      rows.forEach(function (r) { g.axes[i].forEach(function (v) { next.push(r.concat([v])); }); });
      rows = next;
    });
    rows.forEach(function (r) {
      var tr = el('tr');
      r.forEach(function (v) { tr.appendChild(el('th', String(v))); });
      across.forEach(function (v) {
        var c = cells[JSON.stringify(v === null ? r : r.concat([v]))];
        var td = el('td', c.status, 'cell status-' + c.status);
        td.style.background = data.colours[c.status];
        td.title = c.reasons.join('\n');
        if (c.records.length) td.setAttribute('data-record', c.records[0]);
        td.addEventListener('click', function () {
          Array.prototype.forEach.call(table.querySelectorAll('td.selected'),
                                       function (x) { x.classList.remove('selected'); });
          td.classList.add('selected');
          if (c.records.length) { showChain(c.records[0]); }
          else {
            chain.innerHTML = '';
            chain.appendChild(el('h2', c.status));
            c.reasons.forEach(function (t) { chain.appendChild(el('div', t, 'reason')); });
          }
        });
        tr.appendChild(td);
      });
      table.appendChild(tr);
    });
    panel.appendChild(table);
  }
  function showFunction(id) {
    var f = data.functions[id];
    panel.innerHTML = ''; chain.innerHTML = '';
    panel.appendChild(el('h1', f.label + '()'));
    panel.appendChild(el('div', 'fingerprint ' + f.fingerprint + ' (' + f.language + ')'));
    (f.settings || []).forEach(function (s) {
      panel.appendChild(el('div',
                           (meta(s.constants) || 'no constants') + ': ' + s.records + ' records'));
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll('g.node'), function (g) {
    g.addEventListener('click', function (ev) {
      ev.stopPropagation();
      Array.prototype.forEach.call(document.querySelectorAll('g.node.selected'),
                                   function (x) { x.classList.remove('selected'); });
      g.classList.add('selected');
      var id = g.getAttribute('data-id');
      if (data.grids[id]) showGrid(id); else if (data.functions[id]) showFunction(id);
    });
  });
  // a link can open the page on a node and a cell: page.html#node=var:StepLength&cell=3
  var wanted = {};
  location.hash.replace(/^#/, '').split('&').forEach(function (part) {
    var i = part.indexOf('=');
    if (i > 0) wanted[part.slice(0, i)] = decodeURIComponent(part.slice(i + 1));
  });
  function click(target) {
    if (target) target.dispatchEvent(new MouseEvent('click', {bubbles: true}));
  }
  if (wanted.node) {
    click(Array.prototype.filter.call(document.querySelectorAll('g.node'), function (g) {
      return g.getAttribute('data-id') === wanted.node; })[0]);
    if (wanted.cell) click(document.querySelectorAll('#grid-table td.cell')[Number(wanted.cell)]);
  }
  document.body.setAttribute('data-ready', 'yes');
})();
"""


def page(title: str, body: str, data: dict[str, Any] | None, style: str = _STYLE,
         script: str | None = _SCRIPT) -> str:
    """A complete HTML document: ``body``, then ``data`` as JSON and ``script`` (if any)."""
    tail = ""
    if data is not None:
        payload = json.dumps(data, default=str).replace("</", "<\\/")
        tail += f'<script type="application/json" id="scistack-data">{payload}</script>\n'
    if script:
        tail += f"<script>{script}</script>\n"
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title><style>{style}</style></head><body>\n{body}\n"
            f"{tail}</body></html>\n")


def render_html(db: Database, graph: PipelineGraph, *,
                records: CurrentRecords | None = None) -> str:
    """The self-contained HTML view of ``graph`` (see the module docstring)."""
    records = records or read_current_records(db)
    title = f"SciStack pipeline: {os.path.basename(db.path)}"
    body = (f'<div id="view">{render_svg(graph)}</div><div id="side"><h1>{escape(title)}</h1>'
            '<p>Click a variable for its grid, a grid cell for how that record was made. '
            'Drag to pan, scroll to zoom.</p><div id="panel"></div><div id="chain"></div></div>')
    return page(title, body, graph_data(db, graph, records))
