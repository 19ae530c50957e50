"""The commands that change any setting, and the per-phone diff: ``set``, ``unset``,
``diff``."""

from __future__ import annotations

import argparse
import pathlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .common import (
    EXIT_FOUND,
    EXIT_OK,
    Command,
    add_json,
    add_tls,
    is_url,
    load_input,
    out,
    print_json,
    tls_options,
)

if TYPE_CHECKING:
    from ..format.compare import Comparison, Phones, SettingChange
    from ..format.document import Edit, SettingsFile
    from ..format.evaluation import Setting

EXAMPLES: dict[str, list[str]] = {
    "set": [
        "ipo46xx set 46xxsettings.txt SNTPSRVR 192.168.42.1 --diff",
        "ipo46xx set 46xxsettings.txt TLSSRVRID 1 --model 9611 --sig H323 --in-place",
        "ipo46xx set 46xxsettings.txt SCREENSAVERON 60 --group 3 --check",
    ],
    "unset": ["ipo46xx unset 46xxsettings.txt TRUSTCERTS --sig SIP --diff"],
    "diff": [
        "ipo46xx diff 46xxsettings.orig 46xxsettings.txt",
        "ipo46xx diff old.txt new.txt --family 96x1 --json",
        "ipo46xx diff old/46xxsettings.txt new/46xxsettings.txt --chain old --chain new",
    ],
}


def _selection(args: argparse.Namespace) -> Phones | None:
    from ..format.compare import Phones  # noqa: PLC0415

    given = {k: getattr(args, k) for k in ("model", "family", "sig", "group")}
    return Phones(**given) if any(v is not None for v in given.values()) else None


def cmd_set(args: argparse.Namespace) -> int:
    from ..format.edits import set_setting  # noqa: PLC0415
    from .writing import write_edit  # noqa: PLC0415

    phones = _selection(args)
    return write_edit(
        args,
        lambda doc: set_setting(doc, args.name, args.value, phones),
        lambda doc, edit: _effect(doc, edit, phones),
    )


def cmd_unset(args: argparse.Namespace) -> int:
    from ..format.edits import unset_setting  # noqa: PLC0415
    from .writing import write_edit  # noqa: PLC0415

    phones = _selection(args)

    def effect(doc: SettingsFile, edit: Edit) -> list[str]:
        lines = _effect(doc, edit, phones)
        if edit.changed and (phones is None or phones.sig in (None, "SIP")):
            # IP Office SIP phone installation notes: clients keep what they last received.
            lines.append(
                "note: phones fall back to the default of a setting that disappears, but soft "
                "clients (Avaya Workplace, Equinox) keep the value they last received; to reset "
                f"them, send the empty value instead: ipo46xx set {args.file} "
                f'{args.name.upper()} ""'
            )
        return lines

    return write_edit(args, lambda doc: unset_setting(doc, args.name, phones), effect)


def _effect(doc: SettingsFile, edit: Edit, phones: Phones | None) -> list[str]:
    from ..format.compare import compare  # noqa: PLC0415

    result = compare(doc, edit.document)
    if not result.differs:
        return [f"per phone: no phone gets anything different ({_described(phones)})"]
    return ["per phone:", *_lines(result)]


def _described(phones: Phones | None) -> str:
    return "every phone" if phones is None else phones.describe()


def cmd_diff(args: argparse.Namespace) -> int:
    from ..errors import InputError  # noqa: PLC0415
    from ..format.compare import compare  # noqa: PLC0415

    if args.old == "-" and args.new == "-":
        raise InputError("only one of OLD and NEW can be standard input")
    old = load_input(args.old, args)
    new = load_input(args.new, args)
    chains = args.chain or []
    if len(chains) > 2:
        raise InputError("--chain goes once (both sides) or twice (OLD's, then NEW's)")
    loaders = tuple(_chain_loader(c, args) for c in chains)
    loader: Any = None if not loaders else loaders[0] if len(loaders) == 1 else loaders
    result = compare(old, new, _selection(args), loader)
    if args.json:
        print_json(_json(result, old.name, new.name))
    elif result.differs:
        for line in _lines(result):
            out(line)
        changed = len(result.by_profile) - len(result.same)
        out(f"{changed} of {len(result.by_profile)} phone profiles get something different")
    else:
        out(f"no phone gets anything different ({len(result.by_profile)} profiles compared)")
    return EXIT_FOUND if result.differs else EXIT_OK


def _chain_loader(base: str, args: argparse.Namespace) -> Callable[[str], bytes | None]:
    """GET files from a folder, or from a URL base."""

    def load(name: str) -> bytes | None:
        from ..errors import Ipo46xxError  # noqa: PLC0415

        if is_url(base):
            from ..office.download import fetch  # noqa: PLC0415

            try:
                return fetch(base.rstrip("/") + "/" + name, **tls_options(args))
            except Ipo46xxError:
                return None
        path = pathlib.Path(base) / name
        return path.read_bytes() if path.is_file() else None

    if not is_url(base) and not pathlib.Path(base).is_dir():
        from ..errors import InputError  # noqa: PLC0415

        raise InputError(f"--chain {base}: no such folder; give the folder GET files are in")
    return load


def _shown(setting: Setting | None) -> str:
    return "(not set)" if setting is None else f'"{setting.value}" ({setting.file}:{setting.line})'


def _change_text(change: SettingChange) -> str:
    return f"{change.name} {_shown(change.old)} -> {_shown(change.new)}"


def _lines(result: Comparison) -> list[str]:
    return [
        f"  {', '.join(d.profiles)}: " + "; ".join(_change_text(c) for c in d.changes)
        for d in result.differences
    ]


def _setting_json(setting: Setting | None) -> dict[str, Any] | None:
    if setting is None:
        return None
    return {"value": setting.value, "file": setting.file, "line": setting.line}


def _json(result: Comparison, old: str, new: str) -> dict[str, Any]:
    return {
        "old": old,
        "new": new,
        "differs": result.differs,
        "differences": [
            {
                "profiles": list(d.profiles),
                "changes": [
                    {
                        "setting": c.name,
                        "kind": c.kind,
                        "old": _setting_json(c.old),
                        "new": _setting_json(c.new),
                    }
                    for c in d.changes
                ],
            }
            for d in result.differences
        ],
        "same": list(result.same),
    }


def _add_selection(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--model", metavar="MODEL4", help="only this model, e.g. 9611, J179")
    sub.add_argument(
        "--family", metavar="FAMILY", help="only this family: 16xx, 96x0, 96x1, J1x9, K1xx"
    )
    sub.add_argument("--sig", metavar="H323|SIP", help="only phones on this signalling")
    sub.add_argument("--group", metavar="N", help="only phones in this GROUP")


def register(command: Command) -> None:
    """Add ``set``, ``unset`` and ``diff`` to the parser."""
    from .common import add_file_argument  # noqa: PLC0415
    from .writing import add_output_options  # noqa: PLC0415

    setting = command("set", cmd_set, "Give a setting a value, for exactly the phones named.")
    add_file_argument(setting)
    setting.add_argument("name", metavar="NAME", help="the setting, e.g. SNTPSRVR")
    setting.add_argument("value", metavar="VALUE", help='its value ("" for empty)')
    _add_selection(setting)
    add_output_options(setting)

    unsetting = command(
        "unset", cmd_unset, "Take a setting out of a file, for exactly the phones named."
    )
    add_file_argument(unsetting)
    unsetting.add_argument("name", metavar="NAME", help="the setting, e.g. SNTPSRVR")
    _add_selection(unsetting)
    add_output_options(unsetting)

    diff = command("diff", cmd_diff, "What changes between two files, phone by phone.")
    diff.add_argument("old", metavar="OLD", help="a settings file, - or an http(s):// URL")
    diff.add_argument("new", metavar="NEW", help="a settings file, - or an http(s):// URL")
    diff.add_argument(
        "--chain",
        metavar="DIR",
        action="append",
        help="read GET files from this folder or URL base (twice: OLD's, then NEW's)",
    )
    _add_selection(diff)
    add_tls(diff)
    add_json(diff)
