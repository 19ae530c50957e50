"""The ``ipo46xx`` command line: a thin layer over the library.

Exit statuses: 0 done; 1 a check, lint or verify found a problem; 2 bad input or usage
(one line on stderr, no traceback); 3 the target changed under us, or a step cannot run
from the current state; 4 an internal error (a bug: ``-v`` shows the traceback);
130 interrupted.  Library modules are imported inside the commands, so that ``--help``
starts fast and local work never loads the SMB stack.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import pathlib
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from ..document import SettingsFile
    from ..evaluation import Evaluation, Finding
    from ..staging import Stager
    from ..storage import Storage

EXIT_OK, EXIT_FOUND, EXIT_INPUT, EXIT_STATE, EXIT_BUG = 0, 1, 2, 3, 4

Handler = Callable[[argparse.Namespace], int]


class UsageError(Exception):
    """A mistake in the command line itself."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One clear line instead of argparse's usage dump.
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _out(text: str = "") -> None:
    print(text)


def _err(text: str) -> None:
    print(text, file=sys.stderr)


def _json(value: object) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


# -- reading inputs ------------------------------------------------------------------


def _read(source: str, args: argparse.Namespace) -> tuple[bytes, str]:
    """The bytes of FILE, '-' or URL, and a name for messages."""
    from ..document import read_file  # noqa: PLC0415
    from ..errors import InputError  # noqa: PLC0415
    from ..sniff import not_settings_reason  # noqa: PLC0415

    if source == "-":
        data, name = sys.stdin.buffer.read(), "<stdin>"
    elif source.lower().startswith(("http://", "https://")):
        from ..download import fetch  # noqa: PLC0415

        _warn_insecure(args)
        data = fetch(source, verify=not args.insecure, cafile=args.ca_file)
        return data, source.rsplit("/", 1)[-1] or source
    else:
        data, name = read_file(source), pathlib.Path(source).name
    reason = not_settings_reason(data)
    if reason is not None:
        where = "standard input" if source == "-" else source
        raise InputError(f"{where} is {reason}, not a settings file; check what you gave")
    return data, name


def _load(source: str, args: argparse.Namespace) -> SettingsFile:
    from ..document import parse  # noqa: PLC0415

    data, name = _read(source, args)
    return parse(data, name=name)


def _warn_insecure(args: argparse.Namespace) -> None:
    if getattr(args, "insecure", False):
        _err("ipo46xx: warning: --insecure: the IP Office certificate is not checked")


def _mapping(pairs: Sequence[str] | None) -> dict[str, str]:
    from ..errors import InputError  # noqa: PLC0415

    mapping: dict[str, str] = {}
    for pair in pairs or []:
        old, sep, new = pair.partition("=")
        if not sep or not old or not new or "=" in new:
            raise InputError(
                f"bad --replace {pair!r}: write OLD=NEW, e.g. "
                "--replace Root-CA-0214515C.pem=Root-CA-1A2B3C4D.pem"
            )
        mapping[old.strip()] = new.strip()
    return mapping


# -- file commands -------------------------------------------------------------------


def _statement_json(statement: Any, text: str) -> dict[str, Any]:
    import attrs  # noqa: PLC0415

    fields = attrs.asdict(statement)
    fields.pop("value_span", None)
    kind = type(statement).__name__.replace("Statement", "").lower()
    return {"line": fields.pop("line"), "kind": kind, "text": text, **fields}


def _endings(doc: SettingsFile) -> dict[str, int]:
    names = {"\r\n": "CRLF", "\n": "LF", "\r": "CR", "": "none"}
    counts: dict[str, int] = {}
    for line in doc.lines:
        key = names[line.ending]
        counts[key] = counts.get(key, 0) + 1
    return counts


def cmd_show(args: argparse.Namespace) -> int:
    doc = _load(args.file, args)
    statements = doc.statements()
    if args.json:
        _json(
            {
                "file": doc.name,
                "lines": len(doc),
                "encoding": doc.encoding,
                "bom": doc.bom,
                "line_endings": _endings(doc),
                "statements": [_statement_json(s, doc.line(s.line).text) for s in statements],
            }
        )
        return EXIT_OK
    endings = ", ".join(f"{n} {k}" for k, n in _endings(doc).items())
    _out(
        f"{doc.name}: {len(doc)} lines ({endings}), {len(statements)} statements, "
        f"{doc.encoding}{' with BOM' if doc.bom else ''}"
    )
    for statement in statements:
        _out(f"{statement.line:6}  {_describe(statement)}")
    return EXIT_OK


def _describe(statement: Any) -> str:
    from ..statements import (  # noqa: PLC0415
        Assignment,
        GetStatement,
        GotoStatement,
        IfStatement,
        Malformed,
        Tag,
    )

    if isinstance(statement, Assignment):
        keyword = statement.keyword.upper()
        if not statement.has_value:
            return f"{keyword:5} {statement.name} (no value)"
        value = f'"{statement.value}"' if statement.quoted else statement.value
        return f"{keyword:5} {statement.name} = {value}"
    if isinstance(statement, IfStatement):
        return (
            f"IF    {statement.variable} {statement.operator} {statement.operand} "
            f"-> {statement.label}"
        )
    if isinstance(statement, GotoStatement):
        return f"GOTO  {statement.label}"
    if isinstance(statement, GetStatement):
        return f"GET   {statement.filename}"
    if isinstance(statement, Tag):
        return f"TAG   {statement.label}"
    assert isinstance(statement, Malformed)
    return f"????  {statement.reason}"


def cmd_trustcerts(args: argparse.Namespace) -> int:
    from ..trustlist import trustcerts  # noqa: PLC0415

    doc = _load(args.file, args)
    records = trustcerts(doc)
    if args.json:
        _json(
            [
                {"line": r.line, "names": r.names, "quoted": r.quoted, "text": r.text}
                for r in records
            ]
        )
        return EXIT_OK
    if not records:
        _out(f"{doc.name}: no active TRUSTCERTS line")
    for record in records:
        names = ", ".join(record.names) if record.names else '"" (trusts nothing)'
        _out(f"line {record.line}: {names}")
    return EXIT_OK


def cmd_blank(args: argparse.Namespace) -> int:
    from ..trustlist import blank_trustcerts  # noqa: PLC0415

    return _edit(args, blank_trustcerts)


def cmd_rewrite(args: argparse.Namespace) -> int:
    from ..trustlist import replace_trustcerts  # noqa: PLC0415

    mapping = _mapping(args.replace)
    return _edit(args, lambda doc: replace_trustcerts(doc, mapping))


def _edit(args: argparse.Namespace, transform: Callable[[SettingsFile], Any]) -> int:
    from ..document import unified_diff  # noqa: PLC0415
    from ..errors import InputError  # noqa: PLC0415

    if args.in_place and (args.file == "-" or "://" in args.file):
        raise InputError("--in-place needs a local file; use -o OUT for standard input or URLs")
    doc = _load(args.file, args)
    edit = transform(doc)
    new = edit.document
    if args.diff or args.check:
        text = unified_diff(doc, new, f"a/{doc.name}", f"b/{doc.name}")
        if args.diff and text:
            sys.stdout.write(text)
    if args.check:
        return EXIT_FOUND if edit.changed else EXIT_OK
    data = new.to_bytes()
    if args.in_place:
        if edit.changed:
            _write_in_place(pathlib.Path(args.file), data, backup=not args.no_backup)
    elif args.output:
        _write_file(pathlib.Path(args.output), data)
    elif not args.diff:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    if args.in_place or args.output:
        lines = ", ".join(str(c.line) for c in edit.changes)
        _err(f"changed line(s) {lines}" if edit.changed else "nothing to change")
    return EXIT_OK


def _write_file(path: pathlib.Path, data: bytes) -> None:
    from ..storage import LocalStorage  # noqa: PLC0415

    folder = path.parent if str(path.parent) else pathlib.Path(".")
    LocalStorage(folder).write(path.name, data)


def _write_in_place(path: pathlib.Path, data: bytes, *, backup: bool) -> None:
    from ..errors import InputError  # noqa: PLC0415
    from ..storage import LocalStorage  # noqa: PLC0415

    folder = LocalStorage(path.parent)
    if backup:
        original = path.name + ".orig"
        if folder.exists(original):
            raise InputError(
                f"{path.parent / original} already exists; move it away or pass --no-backup"
            )
        folder.write(original, path.read_bytes())
    folder.write(path.name, data)


def cmd_lint(args: argparse.Namespace) -> int:
    from ..linting import lint  # noqa: PLC0415

    doc = _load(args.file, args)
    findings = lint(doc)
    if args.json:
        _json({"file": doc.name, "findings": [_finding_json(f) for f in findings]})
    else:
        for finding in findings:
            _out(
                f"{doc.name}:{finding.line}: {finding.severity} [{finding.code}] {finding.message}"
            )
        counts = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "info")}
        summary = ", ".join(
            f"{n} {s}{'s' if n != 1 and s != 'info' else ''}" for s, n in counts.items() if n
        )
        _out(f"{doc.name}: {summary}" if findings else f"{doc.name}: no problems found")
    return EXIT_FOUND if any(f.severity == "error" for f in findings) else EXIT_OK


def _finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "line": finding.line,
        "severity": finding.severity,
        "code": finding.code,
        "message": finding.message,
        "file": finding.file,
    }


def _loader(args: argparse.Namespace) -> Callable[[str], bytes | None]:
    """GET files next to FILE: in the same folder, or at the same URL base."""

    def load(name: str) -> bytes | None:
        from ..errors import Ipo46xxError  # noqa: PLC0415

        if args.file == "-":
            return None
        if "://" in args.file:
            from ..download import fetch  # noqa: PLC0415

            try:
                return fetch(
                    args.file.rsplit("/", 1)[0] + "/" + name,
                    verify=not args.insecure,
                    cafile=args.ca_file,
                )
            except Ipo46xxError:
                return None
        path = pathlib.Path(args.file).parent / name
        return path.read_bytes() if path.is_file() else None

    return load


def cmd_eval(args: argparse.Namespace) -> int:
    from ..evaluation import MODEL_FAMILIES, Phone, evaluate  # noqa: PLC0415

    variables = _mapping_vars(args.var)
    doc = _load(args.file, args)
    if args.all_models:
        if not args.setting:
            raise UsageError("--all-models prints one setting for every model: add --setting NAME")
        rows = []
        for family, models, sigs in MODEL_FAMILIES:
            for model in models:
                for sig in sigs:
                    phone = Phone(
                        model,
                        sig=sig,
                        group=args.group,
                        variables=variables,
                        sig_in_use=args.sig_in_use,
                    )
                    setting = evaluate(doc, phone, _loader(args)).settings.get(args.setting.upper())
                    rows.append(
                        {
                            "family": family,
                            "model": model,
                            "sig": sig,
                            "value": None if setting is None else setting.value,
                            "line": None if setting is None else setting.line,
                            "file": None if setting is None else setting.file,
                        }
                    )
        if args.json:
            _json({"setting": args.setting.upper(), "group": str(args.group), "rows": rows})
            return EXIT_OK
        _out(f"{'family':<7} {'model':<6} {'signalling':<10} {args.setting.upper()}")
        for row in rows:
            value = "(not set)" if row["value"] is None else f'"{row["value"]}"'
            where = "" if row["line"] is None else f"   line {row['line']}"
            _out(f"{row['family']:<7} {row['model']:<6} {row['sig']:<10} {value}{where}")
        return EXIT_OK
    if not args.model:
        raise UsageError("give the phone: --model 9611 (or --all-models --setting NAME)")
    phone = Phone(
        args.model,
        sig=args.sig,
        group=args.group,
        variables=variables,
        sig_in_use=args.sig_in_use,
    )
    result = evaluate(doc, phone, _loader(args))
    if args.json:
        _json(_evaluation_json(result, args.setting))
        return EXIT_OK
    _print_evaluation(result, args.setting)
    return EXIT_OK


def _mapping_vars(pairs: Sequence[str] | None) -> dict[str, str]:
    from ..errors import InputError  # noqa: PLC0415

    variables = {}
    for pair in pairs or []:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise InputError(f"bad --var {pair!r}: write NAME=VALUE, e.g. --var MACADDR=00112233")
        variables[name.lstrip("$").upper()] = value
    return variables


def _evaluation_json(result: Evaluation, only: str | None) -> dict[str, Any]:
    settings = {
        name: {"value": s.value, "line": s.line, "file": s.file}
        for name, s in sorted(result.settings.items())
        if only is None or name == only.upper()
    }
    main = result.trace[0].file if result.trace else ""
    return {
        "phone": result.phone.describe(),
        "settings": settings,
        "trace": [s.line if s.file == main else f"{s.file}:{s.line}" for s in result.trace],
        "findings": [_finding_json(f) for f in result.findings],
    }


def _print_evaluation(result: Evaluation, only: str | None) -> None:
    phone = result.phone
    _out(f"{phone.model4} {phone.sig or '(signalling not given)'}, group {phone.group}:")
    shown = [
        (name, s)
        for name, s in sorted(result.settings.items())
        if only is None or name == only.upper()
    ]
    if only is not None and not shown:
        _out(f"  {only.upper()} is not set for this phone")
    for name, setting in shown:
        _out(f'  {name} = "{setting.value}"   ({setting.file} line {setting.line})')
    for finding in result.findings:
        _out(
            f"  {finding.file}:{finding.line}: {finding.severity} [{finding.code}] "
            f"{finding.message}"
        )


# -- staging commands ----------------------------------------------------------------


def _storage(args: argparse.Namespace) -> Storage:
    from ..errors import InputError  # noqa: PLC0415
    from ..storage import PASSWORD_VARIABLE, open_storage  # noqa: PLC0415

    password = None
    if args.target.lower().startswith("smb://") and PASSWORD_VARIABLE not in os.environ:
        if not sys.stdin.isatty():
            raise InputError(
                f"the SMB password is needed: set {PASSWORD_VARIABLE} (there is no terminal "
                "to ask for it)"
            )
        import getpass  # noqa: PLC0415

        password = getpass.getpass(f"SMB password for {args.target}: ")
    return open_storage(
        args.target, username=args.smb_user, password=password, encrypt=args.encrypt
    )


def _stager(args: argparse.Namespace, storage: Storage) -> Stager:
    from ..staging import Stager  # noqa: PLC0415

    _warn_insecure(args)
    return Stager(
        getattr(args, "ipo", None),
        storage,
        args.state_dir,
        verify=not getattr(args, "insecure", False),
        cafile=getattr(args, "ca_file", None),
    )


def _confirm(args: argparse.Namespace, action: str) -> None:
    from ..errors import InputError  # noqa: PLC0415

    if args.yes:
        return
    if not sys.stdin.isatty():
        raise InputError(
            f"{action} changes the target: confirm with --yes when not run from a terminal"
        )
    answer = input(f"Go ahead and {action}? [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        raise InputError(f"{action} cancelled; nothing was changed")


def _print_plan(stager: Stager, action: str, mapping: dict[str, str] | None = None) -> bool:
    """Print the plan; True when it changes anything."""
    plan = stager.plan(action, mapping)
    _out(f"ipo46xx {action}: target {stager.storage.url}")
    _out("plan:")
    for number, step in enumerate(plan.steps, 1):
        _out(f"  {number}. {step}")
    for note in plan.notes:
        _out(f"  note: {note}")
    if plan.diff:
        _out(plan.diff.rstrip("\n"))
    return bool(plan.steps)


def _print_outcome(outcome: Any) -> None:
    if outcome.diff and outcome.action == "restore":
        _out(outcome.diff.rstrip("\n"))
    if outcome.done:
        _out("done:")
        for step in outcome.done:
            _out(f"  - {step}")
    _out(f"state: {outcome.state}")
    if outcome.next_steps:
        _out("next:")
        for step in outcome.next_steps:
            _out(f"  {step}")


def _staging(action: str) -> Handler:
    def handler(args: argparse.Namespace) -> int:
        storage = _storage(args)
        try:
            stager = _stager(args, storage)
            mapping = _mapping(getattr(args, "replace", None)) or None
            changes = _print_plan(stager, action, mapping)
            if args.dry_run:
                _out("dry run: nothing was changed")
                return EXIT_OK
            if changes:
                _confirm(args, action)
            if action == "stage":
                outcome = stager.stage()
            elif action == "restore":
                outcome = stager.restore(mapping)
            else:
                outcome = stager.rollback()
            _print_outcome(outcome)
            return EXIT_OK
        finally:
            storage.close()

    return handler


def _ask(args: argparse.Namespace, question: Callable[[Stager], Any]) -> Any:
    """Open the target, ask the stager one read-only question, close the target."""
    storage = _storage(args)
    try:
        return question(_stager(args, storage))
    finally:
        storage.close()


def cmd_status(args: argparse.Namespace) -> int:
    status = _ask(args, lambda stager: stager.status())
    if args.json:
        _json(
            {
                "state": status.state,
                "target": status.target,
                "ipo": status.ipo,
                "files": status.files,
                "steps": status.steps,
                "next": status.next_steps,
            }
        )
        return EXIT_OK
    _out(f"target: {status.target}")
    _out(f"IP Office: {status.ipo or '(none recorded)'}")
    _out(f"state: {status.state}")
    for name, what in status.files.items():
        _out(f"  {name}: {what}")
    if status.steps:
        _out("steps:")
        for step in status.steps:
            _out(f"  [{step['status']}] {step['step']}: {step['detail']}")
    for line in status.next_steps:
        _out(line)
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    result = _ask(args, lambda stager: stager.verify())
    if args.json:
        _json(
            {
                "ok": result.ok,
                "state": result.state,
                "message": result.message,
                "served_sha256": result.served_sha256,
            }
        )
    else:
        _out(("ok: " if result.ok else "PROBLEM: ") + result.message)
        if result.diff:
            _out(result.diff.rstrip("\n"))
    return EXIT_OK if result.ok else EXIT_FOUND


def cmd_demo(args: argparse.Namespace) -> int:
    from ..demo import run_demo  # noqa: PLC0415

    return run_demo(_out)


# -- the parser ----------------------------------------------------------------------

_EPILOG = """\
exit status: 0 done; 1 a check, lint or verify found a problem; 2 bad input or usage;
3 the target changed, or the step cannot run from the current state; 4 internal error.
The SMB password comes from IPO46XX_SMB_PASSWORD, or a prompt; never from the command line.
"""

_EXAMPLES: dict[str, list[str]] = {  # also the list of commands, in --help order
    "show": [
        "ipo46xx show 46xxsettings.txt",
        "ipo46xx show http://192.168.42.1/46xxsettings.txt --json",
    ],
    "trustcerts": ["ipo46xx trustcerts 46xxsettings.txt --json"],
    "blank": [
        "ipo46xx blank 46xxsettings.txt --diff",
        "ipo46xx blank 46xxsettings.txt -o staged.txt",
        "ipo46xx blank 46xxsettings.txt --check    # exit 1: something would change",
    ],
    "rewrite": [
        "ipo46xx rewrite 46xxsettings.bak --in-place \\",
        "    --replace Root-CA-0214515C.pem=Root-CA-1A2B3C4D.pem",
    ],
    "lint": ["ipo46xx lint 46xxsettings.txt"],
    "eval": [
        "ipo46xx eval 46xxsettings.txt --model 9611 --sig H323 --group 2",
        "ipo46xx eval 46xxsettings.txt --setting TRUSTCERTS --all-models",
    ],
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
    "rollback": ["ipo46xx rollback --target /media/sd/system/primary --yes"],
    "status": ["ipo46xx status --target /media/sd/system/primary --json"],
    "verify": ["ipo46xx verify --ipo 192.168.42.1 --target /media/sd/system/primary"],
    "demo": ["ipo46xx demo"],
}


COMMANDS = tuple(_EXAMPLES)
"""Every command of ``ipo46xx``."""


def _add_tls(parser: argparse.ArgumentParser) -> None:
    tls = parser.add_mutually_exclusive_group()
    tls.add_argument(
        "--insecure",
        action="store_true",
        help="do not check the IP Office's HTTPS certificate (it may have expired)",
    )
    tls.add_argument("--ca-file", metavar="PEM", help="check HTTPS against this saved root CA")


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
    _add_tls(parser)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ipo46xx",
        description="Rewrite and stage Avaya 46xxsettings.txt files (advisory PSN005042u).",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="log what happens; show tracebacks of internal errors",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    def command(name: str, handler: Handler, summary: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name,
            help=summary,
            description=summary,
            epilog="examples:\n"
            + "".join(f"  {line}\n" for line in _EXAMPLES[name])
            + "\n"
            + _EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        sub.set_defaults(handler=handler)
        return sub

    _add_file_commands(command)
    _add_staging_commands(command)
    command("demo", cmd_demo, "Run the whole advisory against a stand-in IP Office, here.")
    return parser


Command = Callable[[str, Handler, str], argparse.ArgumentParser]


def file_argument(sub: argparse.ArgumentParser) -> None:
    """FILE (a path, - or a URL) and the HTTPS options that go with URLs."""
    sub.add_argument(
        "file",
        metavar="FILE",
        help="a settings file, - for standard input, or an http(s):// URL",
    )
    _add_tls(sub)


def _add_file_commands(command: Command) -> None:
    show = command("show", cmd_show, "List the statements of a settings file.")
    file_argument(show)
    show.add_argument("--json", action="store_true", help="print one JSON document")

    listing = command("trustcerts", cmd_trustcerts, "List every active TRUSTCERTS line.")
    file_argument(listing)
    listing.add_argument("--json", action="store_true", help="print one JSON document")

    for name, handler, summary in (
        ("blank", cmd_blank, 'Set every active TRUSTCERTS to "" (advisory step 2).'),
        ("rewrite", cmd_rewrite, "Rename entries of every active TRUSTCERTS list."),
    ):
        sub = command(name, handler, summary)
        file_argument(sub)
        if name == "rewrite":
            sub.add_argument(
                "--replace",
                metavar="OLD=NEW",
                action="append",
                required=True,
                help="rename OLD to NEW (repeatable)",
            )
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

    lint = command("lint", cmd_lint, "Find the mistakes that break settings files.")
    file_argument(lint)
    lint.add_argument("--json", action="store_true", help="print one JSON document")

    evaluation = command("eval", cmd_eval, "Show what one phone gets from a settings file.")
    file_argument(evaluation)
    evaluation.add_argument("--model", metavar="MODEL4", help="e.g. 9611, J179, K175, 1608")
    evaluation.add_argument("--sig", metavar="H323|SIP", help="signalling protocol")
    evaluation.add_argument(
        "--sig-in-use", metavar="H323|SIP", help="$SIG_IN_USE when it differs from --sig"
    )
    evaluation.add_argument("--group", default="0", help="the phone's GROUP (default 0)")
    evaluation.add_argument(
        "--var",
        metavar="NAME=VALUE",
        action="append",
        help="any other $VARIABLE, e.g. MACADDR=001122334455 (repeatable)",
    )
    evaluation.add_argument("--setting", metavar="NAME", help="show only this setting")
    evaluation.add_argument(
        "--all-models", action="store_true", help="a table of every model IP Office files branch on"
    )
    evaluation.add_argument("--json", action="store_true", help="print one JSON document")


def _add_staging_commands(command: Command) -> None:
    for name, summary, ipo in (
        (
            "stage",
            "Steps 1-5: download, blank TRUSTCERTS, park the explicit file, write.",
            "required",
        ),
        (
            "restore",
            "Step 8: the administrator's file back, with the new root CA name.",
            "required",
        ),
        ("rollback", "Put the target back exactly as it was before stage.", "optional"),
    ):
        sub = command(name, _staging(name), summary)
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

    status = command("status", cmd_status, "Where a run on a target stands.")
    _add_target(status, "optional")
    status.add_argument("--json", action="store_true", help="print one JSON document")

    verify = command("verify", cmd_verify, "Check what the IP Office serves now.")
    _add_target(verify, "optional")
    verify.add_argument("--json", action="store_true", help="print one JSON document")


def _version() -> str:
    from .. import __version__  # noqa: PLC0415

    return __version__


def _exit_status(exc: BaseException) -> int:
    from ..errors import JournalError, StateError  # noqa: PLC0415

    return EXIT_STATE if isinstance(exc, (StateError, JournalError)) else EXIT_INPUT


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.verbose:
        logging.basicConfig(level=logging.DEBUG, format="%(levelname)s %(name)s: %(message)s")
    from ..errors import Ipo46xxError  # noqa: PLC0415

    try:
        return int(args.handler(args))
    except UsageError as exc:
        _err(f"ipo46xx {args.command}: error: {exc}")
        return EXIT_INPUT
    except Ipo46xxError as exc:
        _err(f"ipo46xx {args.command}: error: {exc}")
        return _exit_status(exc)
    except KeyboardInterrupt:
        _err(f"ipo46xx {args.command}: interrupted; `ipo46xx status` tells where it stopped")
        return 130
    except BrokenPipeError:
        return EXIT_OK  # the reader (head, less) went away
    except Exception as exc:
        if args.verbose:
            raise
        _err(
            f"ipo46xx {args.command}: internal error: {type(exc).__name__}: {exc}. "
            "Run again with -v for the traceback, and please report it"
        )
        return EXIT_BUG
