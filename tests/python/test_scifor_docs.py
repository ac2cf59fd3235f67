"""The code blocks of docs/scifor.md run, in order, in one namespace."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

import scifor

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "scifor.md"


def test_user_guide_examples_run(capsys):
    text = GUIDE.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    assert len(blocks) >= 8
    saved = scifor.get_schema()
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    namespace: dict = {"__name__": "scifor_guide"}
    try:
        for number, block in enumerate(blocks, start=1):
            try:
                exec(compile(block, f"{GUIDE.name} block {number}", "exec"), namespace)
            except Exception as exc:  # pragma: no cover - reported with the block number
                pytest.fail(f"docs/scifor.md python block {number} failed: {exc!r}")
    finally:
        scifor.set_schema(saved)
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)
    results = namespace["results"]
    assert list(results.columns) == ["subject", "session", "result"] and len(results) == 5
    assert len(namespace["plan"]) == 8
    assert "subject" in capsys.readouterr().out
