"""The file commands: ``show``, ``trustcerts``, ``blank``, ``rewrite``, ``lint``, ``eval``."""

from __future__ import annotations

import argparse
import pathlib
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .common import (
    EXIT_FOUND,
    EXIT_OK,
    Command,
    UsageError,
    add_file_argument,
    add_json,
    err,
    is_url,
    load_input,
    out,
    parse_mapping,
    parse_pairs,
    print_json,
)

if TYPE_CHECKING:
    from ..document import SettingsFile
    from ..evaluation import Evaluation, Finding

EXAMPLES: dict[str, list[str]] = {  # also the commands of this family, in --help order
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
}


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
    doc = load_input(args.file, args)
    statements = doc.statements()
    if args.json:
        print_json(
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
    out(
        f"{doc.name}: {len(doc)} lines ({endings}), {len(statements)} statements, "
        f"{doc.encoding}{' with BOM' if doc.bom else ''}"
    )
    for statement in statements:
        out(f"{statement.line:6}  {_describe(statement)}")
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

    doc = load_input(args.file, args)
    records = trustcerts(doc)
    if args.json:
        print_json(
            [
                {"line": r.line, "names": r.names, "quoted": r.quoted, "text": r.text}
                for r in records
            ]
        )
        return EXIT_OK
    if not records:
        out(f"{doc.name}: no active TRUSTCERTS line")
    for record in records:
        names = ", ".join(record.names) if record.names else '"" (trusts nothing)'
        out(f"line {record.line}: {names}")
    return EXIT_OK


def cmd_blank(args: argparse.Namespace) -> int:
    from ..trustlist import blank_trustcerts  # noqa: PLC0415

    return _edit(args, blank_trustcerts)


def cmd_rewrite(args: argparse.Namespace) -> int:
    from ..trustlist import replace_trustcerts  # noqa: PLC0415

    mapping = parse_mapping(args.replace)
    return _edit(args, lambda doc: replace_trustcerts(doc, mapping))


def _edit(args: argparse.Namespace, transform: Callable[[SettingsFile], Any]) -> int:
    from ..document import unified_diff  # noqa: PLC0415
    from ..errors import InputError  # noqa: PLC0415

    if args.in_place and (args.file == "-" or "://" in args.file):
        raise InputError("--in-place needs a local file; use -o OUT for standard input or URLs")
    doc = load_input(args.file, args)
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
        err(f"changed line(s) {lines}" if edit.changed else "nothing to change")
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

    doc = load_input(args.file, args)
    findings = lint(doc)
    if args.json:
        print_json({"file": doc.name, "findings": [_finding_json(f) for f in findings]})
    else:
        for finding in findings:
            out(f"{doc.name}:{finding.line}: {finding.severity} [{finding.code}] {finding.message}")
        counts = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "info")}
        summary = ", ".join(
            f"{n} {s}{'s' if n != 1 and s != 'info' else ''}" for s, n in counts.items() if n
        )
        out(f"{doc.name}: {summary}" if findings else f"{doc.name}: no problems found")
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
        if is_url(args.file):
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
    from ..evaluation import Phone, evaluate  # noqa: PLC0415
    from ..phonemodels import MODELS, find_model  # noqa: PLC0415

    variables = _variables(args.var)
    doc = load_input(args.file, args)
    if args.all_models:
        if not args.setting:
            raise UsageError("--all-models prints one setting for every model: add --setting NAME")
        rows = []
        for model in MODELS:
            phone = Phone.for_model(
                model, group=args.group, variables=variables, sig_in_use=args.sig_in_use
            )
            setting = evaluate(doc, phone, _loader(args)).settings.get(args.setting.upper())
            rows.append(
                {
                    "family": model.family,
                    "model": model.model4,
                    "sig": model.sig,
                    "value": None if setting is None else setting.value,
                    "line": None if setting is None else setting.line,
                    "file": None if setting is None else setting.file,
                    "reports": {
                        name: phone.variable(name)
                        for name in ("MODEL4", "MODEL", "SIG", "SIG_IN_USE")
                    },
                }
            )
        if args.json:
            print_json({"setting": args.setting.upper(), "group": str(args.group), "rows": rows})
            return EXIT_OK
        out(f"{'family':<7} {'model':<6} {'signalling':<10} {args.setting.upper()}")
        for row in rows:
            value = "(not set)" if row["value"] is None else f'"{row["value"]}"'
            where = "" if row["line"] is None else f"   line {row['line']}"
            out(f"{row['family']:<7} {row['model']:<6} {row['sig']:<10} {value}{where}")
        return EXIT_OK
    if not args.model:
        raise UsageError("give the phone: --model 9611 (or --all-models --setting NAME)")
    known = find_model(args.model)
    phone = Phone(
        args.model,
        model=variables.get("MODEL") or (known.model if known else None),
        sig=args.sig,
        group=args.group,
        variables=variables,
        sig_in_use=args.sig_in_use,
    )
    result = evaluate(doc, phone, _loader(args))
    if args.json:
        print_json(_evaluation_json(result, args.setting))
        return EXIT_OK
    _print_evaluation(result, args.setting)
    return EXIT_OK


def _variables(pairs: Sequence[str] | None) -> dict[str, str]:
    example = "NAME=VALUE, e.g. --var MACADDR=00112233"
    return {name.lstrip("$").upper(): value for name, value in parse_pairs(pairs, "--var", example)}


def _evaluation_json(result: Evaluation, only: str | None) -> dict[str, Any]:
    settings = {
        name: {"value": s.value, "line": s.line, "file": s.file}
        | ({} if s.written is None else {"written": s.written})
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
    out(f"{phone.model4} {phone.sig or '(signalling not given)'}, group {phone.group}:")
    shown = [
        (name, s)
        for name, s in sorted(result.settings.items())
        if only is None or name == only.upper()
    ]
    if only is not None and not shown:
        out(f"  {only.upper()} is not set for this phone")
    for name, setting in shown:
        written = "" if setting.written is None else f', written "{setting.written}"'
        out(f'  {name} = "{setting.value}"   ({setting.file} line {setting.line}{written})')
    for finding in result.findings:
        out(
            f"  {finding.file}:{finding.line}: {finding.severity} [{finding.code}] "
            f"{finding.message}"
        )


def register(command: Command) -> None:
    """Add the file commands to the parser."""
    show = command("show", cmd_show, "List the statements of a settings file.")
    add_file_argument(show)
    add_json(show)

    listing = command("trustcerts", cmd_trustcerts, "List every active TRUSTCERTS line.")
    add_file_argument(listing)
    add_json(listing)

    for name, handler, summary in (
        ("blank", cmd_blank, 'Set every active TRUSTCERTS to "" (advisory step 2).'),
        ("rewrite", cmd_rewrite, "Rename entries of every active TRUSTCERTS list."),
    ):
        sub = command(name, handler, summary)
        add_file_argument(sub)
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
    add_file_argument(lint)
    add_json(lint)

    evaluation = command("eval", cmd_eval, "Show what one phone gets from a settings file.")
    add_file_argument(evaluation)
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
        "--all-models",
        action="store_true",
        help="a table of every model and signalling the evaluator knows",
    )
    add_json(evaluation)
