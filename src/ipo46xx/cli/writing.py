"""How an edit command (``blank``, ``rewrite``, ``set``, ``unset``) carries out its edit and
writes the result: ``-o OUT``, ``--in-place`` (keeping ``FILE.orig``), ``--diff``, ``--check``.

A file is written atomically through :class:`~ipo46xx.storage.LocalStorage`, and through a
symbolic link rather than over it.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .common import EXIT_FOUND, EXIT_OK, err, load_input, out

if TYPE_CHECKING:
    from ..format.document import SettingsFile

__all__ = ["add_output_options", "write_edit"]


def add_output_options(sub: argparse.ArgumentParser) -> None:
    """``-o OUT``, ``--in-place`` (with ``--no-backup``), ``--diff`` and ``--check``.

    >>> parser = argparse.ArgumentParser()
    >>> add_output_options(parser)
    >>> parser.parse_args(["--in-place", "--diff"]).in_place
    True
    """
    where = sub.add_mutually_exclusive_group()
    where.add_argument("-o", "--output", metavar="OUT", help="write the result to OUT")
    where.add_argument(
        "--in-place", action="store_true", help="replace FILE atomically, keeping FILE.orig"
    )
    sub.add_argument("--no-backup", action="store_true", help="with --in-place: no .orig")
    sub.add_argument("--diff", action="store_true", help="print a unified diff")
    sub.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 when something would change"
    )


def write_edit(
    args: argparse.Namespace,
    transform: Callable[[SettingsFile], Any],
    effect: Callable[[SettingsFile, Any], list[str]] | None = None,
) -> int:
    """Carry out an edit with the output options; ``effect`` gives lines to print after the
    diff (on standard output with --diff or --check, else on standard error).

    >>> import tempfile
    >>> from ipo46xx.format.trustlist import blank_trustcerts
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "46xxsettings.txt"
    >>> _ = path.write_bytes(b'SET TRUSTCERTS "Root-CA.pem"\\n')
    >>> args = argparse.Namespace(file=str(path), output=None, in_place=True, no_backup=True,
    ...                           diff=False, check=False)
    >>> write_edit(args, blank_trustcerts)
    0
    >>> path.read_bytes()
    b'SET TRUSTCERTS ""\\n'
    """
    from ..errors import InputError  # noqa: PLC0415
    from ..format.document import unified_diff  # noqa: PLC0415

    if args.in_place and (args.file == "-" or "://" in args.file):
        raise InputError("--in-place needs a local file; use -o OUT for standard input or URLs")
    if args.output == "":
        raise InputError("-o needs a file name (or - for standard output)")
    if args.no_backup and not args.in_place:
        raise InputError("--no-backup goes with --in-place (it skips FILE.orig)")
    to_stdout = args.output == "-"
    if args.output and not to_stdout and not args.check:
        _output_folder(pathlib.Path(args.output))  # before any work, and before any output
    doc = load_input(args.file, args)
    edit = transform(doc)
    new = edit.document
    if args.diff or args.check:
        text = unified_diff(doc, new, f"a/{doc.name}", f"b/{doc.name}")
        if args.diff and text:
            sys.stdout.write(text)
    for line in effect(doc, edit) if effect is not None else ():
        (out if args.diff or args.check else err)(line)
    if args.check:
        return EXIT_FOUND if edit.changed else EXIT_OK
    data = new.to_bytes()
    if args.in_place:
        if edit.changed:
            _write_in_place(pathlib.Path(args.file), data, backup=not args.no_backup)
    elif args.output and not to_stdout:
        _write_file(pathlib.Path(args.output), data)
    elif to_stdout or not args.diff:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    if args.in_place or (args.output and not to_stdout):
        lines = ", ".join(str(c.line) for c in edit.changes)
        err(f"changed line(s) {lines}" if edit.changed else "nothing to change")
    return EXIT_OK


def _write_file(path: pathlib.Path, data: bytes) -> None:
    from ..storage import LocalStorage  # noqa: PLC0415

    path = _through_links(path)
    LocalStorage(_output_folder(path)).write(path.name, data)


def _output_folder(path: pathlib.Path) -> pathlib.Path:
    """The folder ``-o`` writes into; an output file is not a card: no word of SD cards."""
    from ..errors import InputError  # noqa: PLC0415

    folder = path.parent if str(path.parent) else pathlib.Path(".")
    if not folder.is_dir():
        raise InputError(
            f"cannot write {path}: the folder {folder} does not exist; create it, or give "
            "-o a path in an existing folder"
        )
    return folder


def _through_links(path: pathlib.Path) -> pathlib.Path:
    """The file a symbolic link names: replacing the link would turn it into a copy."""
    return pathlib.Path(os.path.realpath(path)) if path.is_symlink() else path


def _write_in_place(path: pathlib.Path, data: bytes, *, backup: bool) -> None:
    from ..errors import InputError  # noqa: PLC0415
    from ..storage import LocalStorage  # noqa: PLC0415

    path = _through_links(path)
    folder = LocalStorage(path.parent)
    if backup:
        original = path.name + ".orig"
        if folder.exists(original):
            raise InputError(
                f"{path.parent / original} already exists; move it away or pass --no-backup"
            )
        folder.write(original, path.read_bytes())
    folder.write(path.name, data)
