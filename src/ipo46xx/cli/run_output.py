"""What the staging commands show: a run's plan, its outcome with the next steps, the phones'
trust, and the ``status`` and ``verify`` documents (text and JSON), which ``fleet`` shows too.
"""

from __future__ import annotations

import argparse
import shlex
from typing import TYPE_CHECKING, Any

from .common import out, tls_flags

if TYPE_CHECKING:
    from ..office.trust import TrustReport
    from ..staging.stager import Outcome, Plan, Stager, Status, Verification

__all__ = [
    "print_certificates",
    "print_outcome",
    "print_plan",
    "print_trust",
    "status_json",
    "status_steps",
    "trust_json",
    "verify_json",
]


def print_plan(stager: Stager, plan: Plan) -> bool:
    """Print ``plan`` (steps, notes, diff, and a change's effect per phone); True when it
    changes anything."""
    from .edits import _lines  # noqa: PLC0415

    action = plan.action
    out(f"ipo46xx {action}: target {stager.storage.url}")
    out("plan:")
    for number, step in enumerate(plan.steps, 1):
        out(f"  {number}. {step}")
    for note in plan.notes:
        out(f"  note: {note}")
    if plan.diff:
        out(plan.diff.rstrip("\n"))
    if plan.effect is not None:
        if plan.effect.differs:
            out("per phone:")
            for line in _lines(plan.effect):
                out(line)
        else:
            out("per phone: no phone gets anything different")
    return bool(plan.steps)


def print_certificates(stager: Stager) -> None:
    """Stage shows the certificate situation first, and goes on whatever it finds."""
    from ..errors import Ipo46xxError  # noqa: PLC0415
    from .cert import print_report  # noqa: PLC0415

    try:
        report = stager.certificates()
    except Ipo46xxError as exc:
        out(f"certificate: cannot be read ({exc})")
        return
    out("certificate now presented by the IP Office:")
    print_report(report, "  ")


def print_trust(trust: TrustReport | None) -> None:
    """Print the phones' view in one line, then each reason when phones fail for several.

    >>> print_trust(None)  # nothing when the run did not look at trust
    """
    if trust is None:
        return
    out(f"trust: {trust.summary()}")
    groups: dict[str, list[str]] = {}
    for profile in trust.failing + trust.unknown:
        groups.setdefault(profile.reason, []).append(profile.profile)
    if len(groups) > 1:  # the summary gives the first reason; say each of them
        for reason, profiles in groups.items():
            more = f" and {len(profiles) - 4} more" if len(profiles) > 4 else ""
            out(f"  {', '.join(profiles[:4])}{more}: {reason}")


def print_outcome(outcome: Outcome, stager: Stager, args: argparse.Namespace) -> None:
    """Print what a run did: its steps, warnings, the phones' trust, problems, the state it
    is in, and the next steps."""
    from .guidance import next_steps  # noqa: PLC0415

    if outcome.diff and outcome.action == "restore":
        out(outcome.diff.rstrip("\n"))
    if outcome.done:
        out("done:")
        for step in outcome.done:
            out(f"  - {step}")
    for warning in outcome.warnings:
        out(f"warning: {warning}")
    print_trust(outcome.trust)
    for problem in outcome.problems:
        out(f"PROBLEM: {problem}")
    out(f"state: {outcome.state}")
    if outcome.action == "change" and outcome.done[:1] and outcome.done[0].startswith("nothing"):
        return  # the card was not touched: no run to go on with
    trusted = None if outcome.trust is None else outcome.trust.verdict
    steps = next_steps(outcome.state, stager, tls_flags(args), trusted)
    if steps:
        out("next:")
        for step in steps:
            out(f"  {step}")


def status_steps(status: Status, stager: Stager, tls: str = "") -> list[str]:
    """The next steps ``status`` prints for a run (or for a target without one)."""
    from ..fleet.inventory import fleet_journals_of  # noqa: PLC0415
    from .guidance import next_steps  # noqa: PLC0415

    if status.recorded:
        return next_steps(status.state, stager, tls, status.trusted)
    fleet = [f for f in fleet_journals_of(stager.storage.url) if f != stager.state_dir]
    if fleet:
        return [
            f"nothing recorded in {stager.state_dir}, but the fleet ran on this target: its "
            f"journal is in {folder}; see `ipo46xx status --target "
            f"{shlex.quote(stager.storage.url)} --state-dir {shlex.quote(str(folder))}`, or "
            f"`ipo46xx fleet status --inventory FILE --site {folder.name}`"
            for folder in fleet
        ]
    return [f"nothing recorded for this target yet; start with stage (journal: {stager.state_dir})"]


def status_json(status: Status, steps: list[str]) -> dict[str, Any]:
    """The ``status --json`` document."""
    return {
        "state": status.state,
        "target": status.target,
        "ipo": status.ipo,
        "files": status.files,
        "steps": status.steps,
        "next": steps,
    }


def verify_json(result: Verification) -> dict[str, Any]:
    """The ``verify --json`` document."""
    return {
        "ok": result.ok,
        "state": result.state,
        "message": result.message,
        "served_sha256": result.served_sha256,
        "trust": trust_json(result.trust),
    }


def trust_json(trust: TrustReport | None) -> dict[str, Any] | None:
    """The phones' view, per profile: the names, trusted or not, and why.

    >>> trust_json(None) is None  # the run did not look at trust
    True
    """
    from .cert import endpoint_json  # noqa: PLC0415

    if trust is None:
        return None
    return {
        "ok": trust.ok,
        "summary": trust.summary(),
        "profiles": [
            {
                "profile": p.profile,
                "names": p.names,
                "source": p.source,
                "trusted": p.trusted,
                "reason": p.reason,
                "root_cas": [
                    {"name": c.name, "signs": c.signs, "reason": c.reason} for c in p.root_cas
                ],
            }
            for p in trust.profiles
        ],
        "endpoints": [endpoint_json(e) for e in trust.endpoints],
    }
