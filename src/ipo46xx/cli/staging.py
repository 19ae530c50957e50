"""The staging commands: ``stage``, ``restore``, ``change``, ``rollback``, ``status``,
``verify``.

What they show (plans, outcomes, status and verify as text and JSON) is in
:mod:`.run_output`; this module still offers those names.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from .common import (
    EXIT_FOUND,
    EXIT_OK,
    Command,
    Handler,
    add_json,
    add_tls,
    confirm,
    out,
    parse_mapping,
    print_json,
    seconds,
    tls_flags,
    tls_options,
    warn_insecure,
)
from .run_output import (
    print_certificates,
    print_outcome,
    print_plan,
    print_trust,
    status_json,
    status_steps,
    verify_json,
)

if TYPE_CHECKING:
    from ..format.compare import Phones
    from ..staging.change_request import SettingEdit
    from ..staging.stager import Stager, Status
    from ..storage import Storage

EXAMPLES: dict[str, list[str]] = {  # also the commands of this family, in --help order
    "stage": [
        "ipo46xx stage --ipo 192.168.42.1 --target /media/sd/system/primary --dry-run",
        "IPO46XX_SMB_PASSWORD=... ipo46xx stage --ipo https://192.168.42.1:411 \\",
        "    --target smb://admin@fileserver/ipo/system/primary --ca-file Root-CA.pem --yes",
    ],
    "restore": [
        "ipo46xx restore --ipo 192.168.42.1 --target /media/sd/system/primary",
        "ipo46xx restore --ipo 192.168.42.1 --target /media/sd/system/primary \\",
        "    --replace Root-CA-0214515C.pem=Root-CA-1A2B3C4D.pem",
    ],
    "change": [
        "ipo46xx change --ipo 192.168.42.1 --target /media/sd/system/primary \\",
        "    --set SNTPSRVR=192.168.42.10 --dry-run",
        "ipo46xx change --ipo 192.168.42.1 --target /media/sd/system/primary \\",
        "    --set TLSSRVRID=1 --model 9611 --sig H323 --yes",
    ],
    "rollback": ["ipo46xx rollback --target /media/sd/system/primary --yes"],
    "status": ["ipo46xx status --target /media/sd/system/primary --json"],
    "verify": ["ipo46xx verify --ipo 192.168.42.1 --target /media/sd/system/primary"],
}


CHANGING = ("stage", "change", "restore", "rollback")
"""The commands of this family that change a target (and keep a journal of it)."""


def open_target(args: argparse.Namespace) -> Storage:
    """The ``--target`` storage; the SMB password from the environment or a prompt."""
    from ..errors import InputError  # noqa: PLC0415
    from ..storage import PASSWORD_VARIABLE, open_storage, target_key  # noqa: PLC0415

    target_key(args.target)  # a malformed URL, or one with a password, before any prompt
    password = None
    if args.target.lower().startswith("smb://") and PASSWORD_VARIABLE not in os.environ:
        if not sys.stdin.isatty():
            raise InputError(
                f"the SMB password is needed: set {PASSWORD_VARIABLE} (there is no terminal "
                "to ask for it)"
            )
        import getpass  # noqa: PLC0415

        try:
            password = getpass.getpass(f"SMB password for {args.target}: ")
        except EOFError:  # Ctrl-D at the prompt: no password, so no connection
            raise InputError(f"no password given for {args.target}; nothing was done") from None
    return open_storage(
        args.target,
        username=args.smb_user,
        password=password,
        encrypt=args.encrypt,
        password_from="typed at the prompt",
    )


def _stager(args: argparse.Namespace, storage: Storage) -> Stager:
    from ..staging.stager import Stager  # noqa: PLC0415

    warn_insecure(args)
    return Stager(
        getattr(args, "ipo", None),
        storage,
        args.state_dir,
        tls_ports=getattr(args, "tls_port", None) or (),
        deadline=getattr(args, "deadline", None),
        **tls_options(args),
    )


def _changing(action: str) -> Handler:
    def handler(args: argparse.Namespace) -> int:
        storage = open_target(args)
        try:
            stager = _stager(args, storage)
            mapping = parse_mapping(getattr(args, "replace", None)) or None
            # The plan first: an IP Office that does not answer is waited for once, here.
            plan = stager.plan(action, mapping)
            if action == "stage":
                print_certificates(stager)
            changes = print_plan(stager, plan)
            if args.dry_run:
                out("dry run: nothing was changed")
                return EXIT_OK
            if changes:
                confirm(args, action)
            if action == "stage":
                outcome = stager.stage()
            elif action == "restore":
                outcome = stager.restore(mapping)
            else:
                outcome = stager.rollback()
            print_outcome(outcome, stager, args)
            return EXIT_OK if outcome.ok else EXIT_FOUND
        finally:
            storage.close()

    return handler


def change_request(args: argparse.Namespace) -> tuple[list[SettingEdit], Phones | None]:
    """The settings ``--set``, ``--add`` and ``--unset`` name, checked, and the phones the
    selection options name (``None``: every phone)."""
    from ..staging.change_request import SettingEdit  # noqa: PLC0415
    from .edits import _selection  # noqa: PLC0415

    edits = [
        *(SettingEdit.parse(text, "set") for text in args.set or []),
        *(SettingEdit.parse(text, "add") for text in args.add or []),
        *(SettingEdit.parse(text, "unset") for text in args.unset or []),
    ]
    return edits, _selection(args)


def cmd_change(args: argparse.Namespace) -> int:
    edits, phones = change_request(args)
    storage = open_target(args)
    try:
        stager = _stager(args, storage)
        changes = print_plan(stager, stager.plan_change(edits, phones))
        if any(edit.op == "unset" for edit in edits) and (phones is None or phones.sig != "H323"):
            # IP Office SIP phone installation notes: soft clients keep the last value.
            out(
                "note: phones fall back to the default of a setting that disappears, but soft "
                "clients (Avaya Workplace, Equinox) keep the value they last received; to "
                'reset them, send the empty value instead (--set NAME="")'
            )
        if args.dry_run:
            out("dry run: nothing was changed")
            return EXIT_OK
        if changes:
            confirm(args, "change")
        outcome = stager.change(edits, phones)
        print_outcome(outcome, stager, args)
        return EXIT_OK if outcome.ok else EXIT_FOUND
    finally:
        storage.close()


def _ask(args: argparse.Namespace, question: Any) -> Any:
    """Open the target, ask the stager one read-only question, close the target."""
    storage = open_target(args)
    try:
        return question(_stager(args, storage))
    finally:
        storage.close()


def cmd_status(args: argparse.Namespace) -> int:
    def question(stager: Stager) -> tuple[Status, list[str]]:
        status = stager.status()
        return status, status_steps(status, stager, tls_flags(args))

    status, steps = _ask(args, question)
    if args.json:
        print_json(status_json(status, steps))
        return EXIT_OK
    out(f"target: {status.target}")
    out(f"IP Office: {status.ipo or '(none recorded)'}")
    out(f"state: {status.state}")
    for name, what in status.files.items():
        out(f"  {name}: {what}")
    if status.steps:
        out("steps:")
        for step in status.steps:
            out(f"  [{step['status']}] {step['step']}: {step['detail']}")
    for line in steps:
        out(line)
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    result = _ask(args, lambda stager: stager.verify())
    if args.json:
        print_json(verify_json(result))
    else:
        out(("ok: " if result.ok else "PROBLEM: ") + result.message)
        if result.diff:
            out(result.diff.rstrip("\n"))
        print_trust(result.trust)
    return EXIT_OK if result.ok else EXIT_FOUND


def _add_target(parser: argparse.ArgumentParser, ipo: str) -> None:
    if ipo != "none":
        parser.add_argument(
            "--ipo",
            metavar="ADDRESS",
            required=ipo == "required",
            help="IP Office address or URL, e.g. 192.168.42.1 or https://192.168.42.1:411"
            + ("" if ipo == "required" else " (default: the one the run recorded)"),
        )
    parser.add_argument(
        "--target",
        metavar="URL",
        required=True,
        help="the folder holding 46xxsettings.txt: a path, file:///..., or "
        "smb://[user@]host[:port]/share/dir",
    )
    parser.add_argument(
        "--state-dir",
        metavar="DIR",
        help="journal folder (default: ~/.local/state/ipo46xx/<target>)",
    )
    parser.add_argument("--smb-user", metavar="USER", help="SMB user (or user@ in the URL)")
    parser.add_argument("--encrypt", action="store_true", help="require SMB 3 encryption")
    add_tls(parser)
    if ipo != "none":
        parser.add_argument(
            "--deadline",
            metavar="SECONDS",
            type=seconds,
            help="the most all requests to the IP Office may take together (default: 4 times "
            "--timeout, 60 s; at most 3600)",
        )
        parser.add_argument(
            "--tls-port",
            metavar="N",
            type=int,
            action="append",
            help="where phones meet the IP Office's certificate (repeatable; default: 443 and "
            "every TLSPORT of its settings file)",
        )


def register(command: Command) -> None:
    """Add the staging commands to the parser."""
    from .edits import _add_selection  # noqa: PLC0415

    for name, summary, ipo in (
        (
            "stage",
            "Steps 1-5: download, blank TRUSTCERTS, park the explicit file, write.",
            "required",
        ),
        (
            "restore",
            "Step 8: the administrator's file back, with the new root CA name.",
            "optional",
        ),
        ("rollback", "Put the target back exactly as it was before stage.", "optional"),
    ):
        sub = command(name, _changing(name), summary)
        _add_target(sub, ipo)
        sub.add_argument("--dry-run", action="store_true", help="show the plan; change nothing")
        sub.add_argument("--yes", action="store_true", help="do not ask before changing")
        if name == "restore":
            sub.add_argument(
                "--replace",
                metavar="OLD=NEW",
                action="append",
                help="name the new root CA yourself (repeatable)",
            )

    change = command(
        "change",
        cmd_change,
        "Change any setting on the card, for exactly the phones named; rollback undoes it.",
    )
    _add_target(change, "required")
    change.add_argument(
        "--set", metavar="NAME=VALUE", action="append", help="give NAME this value (repeatable)"
    )
    change.add_argument(
        "--add",
        metavar="NAME=VALUE",
        action="append",
        help="append VALUE to a list setting with ADD (TRUSTCERTS; repeatable)",
    )
    change.add_argument(
        "--unset", metavar="NAME", action="append", help="take NAME out (repeatable)"
    )
    _add_selection(change)
    change.add_argument("--dry-run", action="store_true", help="show the plan; change nothing")
    change.add_argument("--yes", action="store_true", help="do not ask before changing")

    status = command("status", cmd_status, "Where a run on a target stands.")
    _add_target(status, "optional")
    add_json(status)

    verify = command("verify", cmd_verify, "Check what the IP Office serves now.")
    _add_target(verify, "optional")
    add_json(verify)
