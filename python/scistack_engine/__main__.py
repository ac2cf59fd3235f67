"""``python -m scistack_engine``: the ``scistack`` command (:mod:`scistack_engine.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
