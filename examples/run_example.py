"""The main job: runs SciStack's example pipeline end to end and prints its results."""

from __future__ import annotations

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import scifor_example  # noqa: E402


def main() -> None:
    scifor_example.main()


if __name__ == "__main__":
    main()
