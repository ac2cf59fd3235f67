"""The Python examples in the README and the user guides run as written.

Each document's ```python blocks run in order, in one namespace, in a fresh temporary
working directory (so the databases they create are their own).
"""

from __future__ import annotations

import os
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOCUMENTS = ["README.md", "docs/quickstart.md", "docs/variables.md", "docs/for_each.md",
             "docs/storage.md", "docs/parallel.md"]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_python_blocks_run(document, tmp_path, scidb_unconfigured):
    text = (ROOT / document).read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, f"{document} has no Python example"
    namespace: dict = {"__name__": "__docs__"}
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        for number, block in enumerate(blocks, 1):
            try:
                exec(compile(block, f"{document} block {number}", "exec"), namespace)
            except Exception as exc:  # name the block that failed
                raise AssertionError(
                    f"{document}, Python block {number} failed: {exc!r}\n{block}"
                ) from exc
    finally:
        os.chdir(cwd)
        db = namespace.get("db")
        if db is not None and hasattr(db, "close"):
            db.close()
