"""``python -m ipo46xx``: the same as the ``ipo46xx`` command."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
