"""The ``ipo46xx`` command line: a thin layer over the library.

One module per command family (:mod:`.files`, :mod:`.staging`, :mod:`.demo`), what they
share in :mod:`.common`, the parser and :func:`main` in :mod:`.app`.  A new family is a
new module with ``EXAMPLES`` and ``register``, listed in ``app.FAMILIES``.

Exit statuses: 0 done; 1 a check, lint or verify found a problem; 2 bad input or usage
(one line on stderr, no traceback); 3 the target changed under us, or a step cannot run
from the current state; 4 an internal error (a bug: ``-v`` shows the traceback);
130 interrupted.  Library modules are imported inside the commands, so that ``--help``
starts fast and local work never loads the SMB stack.
"""

from .app import COMMANDS, build_parser, main

__all__ = ["COMMANDS", "build_parser", "main"]
