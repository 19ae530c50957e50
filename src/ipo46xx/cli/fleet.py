"""``ipo46xx fleet ACTION --inventory FILE``: one action over many sites.

Presentation only: the progress line on standard error, the final table, the JSON
document, the question before changing targets, and Ctrl-C (the first stops new sites
from starting, the second abandons the running ones).  The work is
:func:`ipo46xx.fleet.runner.run_fleet`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from types import FrameType
from typing import TYPE_CHECKING, Any

from ..fleet.limits import FILES_PER_WORKER, MAX_JOBS, THREADS_PER_PROCESS, worker_limit
from .common import (
    EXIT_INTERRUPTED,
    Command,
    UsageError,
    add_json,
    confirm,
    err,
    out,
    print_json,
)

if TYPE_CHECKING:
    from ..fleet.inventory import Inventory, Site
    from ..fleet.runner import FleetProgress, SiteResult

ACTIONS = ("cert", "status", "stage", "change", "verify", "restore", "rollback")  # = fleet's
CHANGING = ("stage", "change", "restore", "rollback")

EXAMPLES: dict[str, list[str]] = {
    "fleet": [
        "ipo46xx fleet cert --inventory sites.toml",
        "ipo46xx fleet stage --inventory sites.toml --dry-run",
        "IPO46XX_SMB_PASSWORD=... ipo46xx fleet stage --inventory sites.csv --jobs 16 --yes",
        "ipo46xx fleet status --inventory sites.csv --site hq --site branch-1 --json",
        "ipo46xx fleet change --inventory sites.toml --set SNTPSRVR=192.168.42.10 --yes",
        "ipo46xx fleet cert --inventory sites.toml --html report.html --csv report.csv",
    ],
}

SUMMARY = (
    "Run cert, status, stage, change, verify, restore or rollback over the sites of an inventory."
)


def register(command: Command) -> None:
    """Add ``fleet`` to the parser."""
    from .edits import _add_selection  # noqa: PLC0415

    sub = command("fleet", cmd_fleet, SUMMARY)
    sub.add_argument("action", metavar="ACTION", choices=ACTIONS, help=", ".join(ACTIONS))
    sub.add_argument(
        "--inventory",
        metavar="FILE",
        required=True,
        help="the sites: a .toml ([[site]] tables) or .csv (a header row) file; each site's "
        "requests to its IP Office stop after 4 times its timeout, in all",
    )
    sub.add_argument(
        "--jobs",
        metavar="N",
        type=int,
        default=8,
        help=(
            f"sites at a time (default 8, at most {MAX_JOBS}: past that more sites at once "
            "only slow each other; fewer when the open-file limit, ulimit -n, leaves no room "
            f"for {FILES_PER_WORKER} open files each); from {2 * THREADS_PER_PROCESS} sites at a "
            f"time on, shared out to a process per core, {THREADS_PER_PROCESS} at least each"
        ),
    )
    sub.add_argument(
        "--site",
        metavar="NAME",
        action="append",
        help="only this site (repeatable; default: every site)",
    )
    sub.add_argument(
        "--state-dir",
        metavar="DIR",
        help="journal folders, one per site (default: ~/.local/state/ipo46xx/fleet/<inventory>)",
    )
    add_json(sub)
    sub.add_argument("--yes", action="store_true", help="do not ask before changing targets")
    sub.add_argument(
        "--dry-run",
        action="store_true",
        help="stage, change, restore, rollback: show each site's plan; change nothing",
    )
    for option, meta, what in (
        ("--set", "NAME=VALUE", "change: give NAME this value on every site (repeatable)"),
        ("--add", "NAME=VALUE", "change: append VALUE to a list setting with ADD"),
        ("--unset", "NAME", "change: take NAME out (repeatable)"),
    ):
        sub.add_argument(option, metavar=meta, action="append", help=what)
    _add_selection(sub)
    sub.add_argument(
        "--days",
        metavar="N",
        type=int,
        default=180,
        help="cert: warn this many days before expiry (default 180, as Manager does)",
    )
    sub.add_argument(
        "--html",
        metavar="FILE",
        help="cert, status, verify: also write a report page (one self-contained HTML file: "
        "a sortable table and a chart of every certificate's expiry) to FILE",
    )
    sub.add_argument(
        "--csv",
        metavar="FILE",
        dest="csv_file",
        help="cert, status, verify: also write the report's rows to FILE, for a spreadsheet",
    )


def cmd_fleet(args: argparse.Namespace) -> int:
    from ..fleet.inventory import load_inventory  # noqa: PLC0415

    action: str = args.action
    if args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, not {args.jobs}")
    limit, why = worker_limit()
    if args.jobs > limit:
        err(f"--jobs {args.jobs}: running {limit} sites at a time; {why}")
    if args.dry_run and action not in CHANGING:
        raise UsageError(f"--dry-run applies to {', '.join(CHANGING)}, not {action}")
    args.edits, args.phones = _change_request(args)
    _check_reports(args)
    inventory = load_inventory(args.inventory)
    selected = inventory.select(args.site)
    if action in CHANGING and not args.dry_run and not args.yes:
        if not sys.stdin.isatty():
            raise UsageError(
                f"fleet {action} changes {len(selected)} target(s): confirm with --yes when "
                "not run from a terminal"
            )
        plans = _run(args, inventory, dry_run=True)
        if plans is None:
            return EXIT_INTERRUPTED
        _print_table(action, plans, dry_run=True)
        confirm(args, f"{action} {sum(1 for r in plans if r.ok)} site(s)")
    results = _run(args, inventory, dry_run=args.dry_run, selected=selected)
    if results is None:
        return EXIT_INTERRUPTED
    from ..fleet.runner import fleet_exit, summarise  # noqa: PLC0415

    cancelled = any(not r.ran for r in results)
    if args.json:
        print_json(
            {
                "action": action,
                "dry_run": args.dry_run,
                "sites": [site_json(r) for r in results],
                "summary": summarise(results),
            }
        )
    else:
        _print_table(action, results, dry_run=args.dry_run)
    if args.html or args.csv_file:
        from .report import write_reports  # noqa: PLC0415

        for line in write_reports(
            action,
            results,
            html=args.html,
            csv_path=args.csv_file,
            inventory=args.inventory,
        ):
            err(f"ipo46xx fleet: {line}")
    return fleet_exit(results, cancelled)


def _change_request(args: argparse.Namespace) -> tuple[list[Any], Any]:
    """The edits and phones of ``fleet change``, checked before any site is contacted."""
    asked = ("set", "add", "unset", "model", "family", "sig", "group")
    if args.action != "change" and all(getattr(args, name) is None for name in asked):
        return [], None  # and the other actions start without the editor's modules
    from .staging import change_request  # noqa: PLC0415

    edits, phones = change_request(args)
    if args.action != "change" and (edits or phones is not None):
        raise UsageError("--set, --add, --unset and the phone selection apply to fleet change only")
    if args.action == "change" and not edits:
        raise UsageError("fleet change needs --set NAME=VALUE, --add or --unset NAME")
    return edits, phones


def _check_reports(args: argparse.Namespace) -> None:
    """Refuse a report option the action cannot fill, or a file that cannot be written,
    before any site runs."""
    from .report import REPORTING, check_writable  # noqa: PLC0415

    for option, path in (("--html", args.html), ("--csv", args.csv_file)):
        if path is None:
            continue
        if args.action not in REPORTING:
            raise UsageError(
                f"{option} applies to fleet {', '.join(REPORTING)}, not {args.action}; "
                f"run `ipo46xx fleet status --inventory {args.inventory} {option} {path}` after it"
            )
        check_writable(option, path)
    if args.html and args.csv_file and args.html == args.csv_file:
        raise UsageError(f"--html and --csv name the same file {args.html}; name two files")


# -- running, with progress and Ctrl-C -------------------------------------------------


def _run(
    args: argparse.Namespace,
    inventory: Inventory,
    *,
    dry_run: bool,
    selected: Sequence[Site] | None = None,
) -> list[SiteResult] | None:
    """Run the fleet; None when a second Ctrl-C abandoned it (the table is printed)."""
    import threading  # noqa: PLC0415  (other commands start faster without it)

    from ..fleet.runner import run_fleet  # noqa: PLC0415

    sites = list(selected if selected is not None else inventory.select(args.site))
    progress = _Progress(args.action, len(sites))
    cancel = threading.Event()
    presses = 0

    def on_interrupt(signum: int, frame: FrameType | None) -> None:
        nonlocal presses
        presses += 1
        if presses > 1:
            raise KeyboardInterrupt
        cancel.set()
        progress.note(
            f"stopping: no new sites start; {progress.running} running site(s) finish their "
            "current step (Ctrl-C again abandons them; their journals keep them safe)"
        )

    previous = _install(on_interrupt)
    try:
        result = run_fleet(
            inventory,
            args.action,
            sites=[site.name for site in sites],
            jobs=args.jobs,
            state_dir=args.state_dir,
            dry_run=dry_run,
            days=args.days,
            edits=args.edits,
            phones=args.phones,
            progress=progress,
            cancel=cancel,
        )
    except KeyboardInterrupt:
        progress.end()
        _print_abandoned(args, sites, progress, dry_run=dry_run)
        return None
    finally:
        _restore(previous)
    progress.end()
    return result.results


def _install(handler: Callable[[int, FrameType | None], None]) -> Any:
    import signal  # noqa: PLC0415
    import threading  # noqa: PLC0415

    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGINT, handler)


def _restore(previous: Any) -> None:
    if previous is not None:
        import signal  # noqa: PLC0415

        signal.signal(signal.SIGINT, previous)


class _Progress:
    """One line redrawn on a terminal; one line per finished site otherwise."""

    def __init__(self, action: str, total: int) -> None:
        self.action = action
        self.total = total
        self.live = sys.stderr.isatty()
        self.running = 0
        self.finished: dict[str, SiteResult] = {}
        self.started: set[str] = set()
        self._drawn = False

    def __call__(self, event: FleetProgress) -> None:
        self.running = event.running
        if event.event == "started":
            self.started.add(event.site)
        elif event.result is not None:
            self.finished[event.site] = event.result
        if self.live:
            line = (
                f"fleet {self.action}: {event.done - event.failed} done, {event.failed} failed, "
                f"{event.running} running of {event.total}; {event.elapsed:.0f} s"
            )
            sys.stderr.write("\r\x1b[K" + line)
            sys.stderr.flush()
            self._drawn = True
        elif event.result is not None:
            result = event.result
            how = "ok" if result.ok else "FAILED"
            why = "" if result.ok else f": {result.message}"
            count = f"[{event.done}/{event.total}]"
            err(f"fleet {self.action}: {count} {event.site} {how} ({result.state}){why}")

    def note(self, text: str) -> None:
        self.end()
        err(f"ipo46xx fleet: {text}")

    def end(self) -> None:
        if self._drawn:
            sys.stderr.write("\n")
            sys.stderr.flush()
            self._drawn = False


# -- output ----------------------------------------------------------------------------


def _print_table(action: str, results: Sequence[SiteResult], *, dry_run: bool) -> None:
    from ..fleet.runner import summarise  # noqa: PLC0415
    from .report import result_word  # noqa: PLC0415

    if action == "cert":
        rows = [
            [r.name, *_cert_cells(r), result_word(r), r.message]
            for r in sorted(results, key=_expiry_key)
        ]
        header = ["site", "days left", "expires", "result", "detail"]
    else:
        rows = [[r.name, r.state, result_word(r), r.message] for r in results]
        header = ["site", "state", "result", "plan" if dry_run else "detail"]
    _table(header, rows)
    counts = summarise(results)
    line = (
        f"{counts['total']} site(s): {counts['ok']} ok, {counts['failed']} failed, "
        f"{counts['not_run']} not run"
    )
    out(("dry run, nothing was changed; " if dry_run else "") + line)
    not_run = [r.name for r in results if not r.ran]
    if not_run:
        out(f"not run (stopped by Ctrl-C): {', '.join(not_run)}; run the same command again")


def _print_abandoned(
    args: argparse.Namespace, sites: Sequence[Site], progress: _Progress, *, dry_run: bool
) -> None:
    from .report import result_word  # noqa: PLC0415

    rows = []
    for site in sites:
        result = progress.finished.get(site.name)
        if result is not None:
            rows.append([site.name, result.state, result_word(result), result.message])
        elif site.name in progress.started:
            rows.append([site.name, "?", "abandoned", "stopped mid-run; `fleet status` tells"])
        else:
            rows.append([site.name, "", "not run", ""])
    if args.json:  # a script reading the JSON still gets JSON
        entries = []
        for name, state, word, detail in rows:
            result = progress.finished.get(name)
            if result is not None:
                entries.append(site_json(result) | {"result": word})
            else:
                entries.append({"name": name, "ok": False, "state": state or None})
                entries[-1] |= {"exit": None, "result": word, "message": detail}
        print_json({"action": args.action, "dry_run": dry_run, "abandoned": True, "sites": entries})
        return
    _table(["site", "state", "result", "detail"], rows)
    out(
        f"fleet {args.action} abandoned by a second Ctrl-C; the journals record where each "
        "site stopped: run the same command again to finish, or `fleet status` to see"
    )


def _table(header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        cells = [str(cell).ljust(width) for cell, width in zip(row, widths, strict=False)]
        out("  ".join([*cells, str(row[-1])]).rstrip())


def _cert_cells(result: SiteResult) -> list[str]:
    from ..fleet.report import site_certificate  # noqa: PLC0415

    cert = site_certificate(result)
    if cert.not_after is None:
        return ["?", "?"]
    return [str(cert.days_left), cert.not_after.date().isoformat()]


def _expiry_key(result: SiteResult) -> tuple[int, int, str]:
    from ..fleet.report import site_certificate  # noqa: PLC0415

    days = site_certificate(result).days_left
    return (1, 0, result.name) if days is None else (0, days, result.name)


def site_json(result: SiteResult) -> dict[str, Any]:
    """One site's entry: the fleet fields, then the single-site command's JSON fields."""
    entry: dict[str, Any] = {
        "name": result.name,
        "ok": result.ok,
        "state": result.state,
        "exit": result.exit,
        "message": result.message,
    }
    if result.error is not None:
        entry["error"] = type(result.error).__name__
    for key, value in single_json(result).items():
        entry.setdefault(key, value)
    return entry


def single_json(result: SiteResult) -> dict[str, Any]:
    """What the single-site command prints with ``--json`` for this site's result."""
    value = result.value
    if value is None:
        return {}
    if result.action == "status":
        from .run_output import status_json, status_steps  # noqa: PLC0415

        steps = status_steps(value, result.stager) if result.stager is not None else []
        return status_json(value, steps)
    if result.action == "verify":
        from .run_output import verify_json  # noqa: PLC0415

        return verify_json(value)
    if result.action == "cert":
        from .cert import report_json  # noqa: PLC0415

        return dict(report_json(value))
    if hasattr(value, "steps"):  # a Plan: the dry run
        return {"plan": {"steps": value.steps, "notes": value.notes, "diff": value.diff}}
    return {"done": list(value.done)}
