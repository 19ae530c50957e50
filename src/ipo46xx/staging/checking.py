"""Checking a run against what the IP Office serves: ``verify``, the read-back after
stage, ``status`` and the certificates the run's endpoints present.

Nothing here writes to the target; ``status`` and ``verify`` only read the journal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import Ipo46xxError, StateError
from ..format.document import parse, unified_diff
from ..format.trustlist import trustcerts
from ..storage import digest_of
from .change_run import verify_change
from .restoring import expiring
from .results import NEW, RESTORED, ROLLED_BACK, STAGED, Status, Verification
from .run import Run, recorded_ports
from .survey import deciding_lines

if TYPE_CHECKING:
    from ..office.certificates import CertificateReport
    from ..office.trust import TrustReport
    from .journal import Journal

__all__ = ["certificates", "served_check", "status", "verify"]


def served_check(run: Run, journal: Journal) -> list[str]:
    """After stage: does the IP Office serve the staged file? Problems, if not."""
    target = run.storage.url
    try:
        served = run.office().fetch()
    except Ipo46xxError as exc:
        return [
            f"cannot check that the IP Office serves the staged file ({exc}); run "
            f"`ipo46xx verify` once it answers"
        ]
    if served == journal.kept("staged"):
        return []
    return [
        f"the IP Office at {run.ipo_url} does not serve the staged file: the phones still "
        f"get the old one. If the card is out of the IP Office, put it back and run "
        f"`ipo46xx verify`; if {target} is not this IP Office's card, run "
        f"`ipo46xx rollback --target {target}`"
    ]


def status(run: Run) -> Status:
    """The journal's state and steps, and what the target's files are now."""
    journal = run.journal()
    if journal is None:
        return Status(NEW, run.storage.url, None, [], run.engine.describe_files(None), False)
    return Status(
        journal.state,
        run.storage.url,
        str(journal.data.get("ipo")),
        list(journal.data["steps"]),
        run.engine.describe_files(journal),
        True,
        journal.data.get("trusted") if journal.state in (RESTORED, ROLLED_BACK) else None,
    )


def verify(run: Run) -> Verification:
    """Download what the IP Office serves now; is it what the journal expects, and will
    the phones trust the certificate the IP Office presents?"""
    journal = run.require(run.journal(), "verify")
    if journal.data.get("run") == "change":
        return verify_change(run.office(), journal)
    served = run.office().fetch()
    digest = digest_of(served)
    state = journal.state
    expected: bytes | None = None
    if state == STAGED:
        expected = journal.kept("staged")
        what = "the staged file (TRUSTCERTS blanked)"
    elif state == RESTORED and journal.digest("original"):
        expected = journal.kept("restored")
        what = "the administrator's file with the new root CA"
    elif state == ROLLED_BACK and journal.digest("original"):
        expected = journal.kept("original")
        what = "the administrator's original file"
    elif state in (RESTORED, ROLLED_BACK):
        names = sorted({n for t in trustcerts(parse(served)) for n in t.names})
        if digest == journal.digest("staged") or not names:
            return Verification(
                False,
                state,
                "the IP Office does not serve an auto-generated file with a root CA; "
                "check that no explicit 46xxsettings.txt is left on the SD card",
                digest,
                "",
            )
        trust = run.trust(journal, served)
        message = "the IP Office serves its auto-generated file, which trusts " + ", ".join(names)
        return _verdict(True, state, message, digest, "", trust)
    else:
        raise StateError(run.wrong_state(state, "verify"))
    if served != expected:
        diff = unified_diff(parse(expected), parse(served), "expected", "served")
        return Verification(
            False,
            state,
            f"the IP Office does not serve {what}; is the target its SD card folder "
            "(system/primary), and has the card been re-read?",
            digest,
            diff,
        )
    office = run.office()
    chain = office.chain(served, run.storage.list)
    trust = office.trust(recorded_ports(journal), served, chain)
    # Stage left no phone a TRUSTCERTS (any group, any device, any model): one now is a
    # change to a file the phones read.
    still = [d for d in chain.outcomes if d.names]
    if state == STAGED and still:
        return Verification(
            False,
            state,
            f"the IP Office serves {what}, but phones still get a TRUSTCERTS from the "
            f"chain: {'; '.join(deciding_lines(still))}. Did someone change a file the "
            "phones read? Rollback, then stage again",
            digest,
            "",
            trust,
        )
    return _verdict(True, state, f"the IP Office serves {what}", digest, "", trust)


def certificates(run: Run, days: int | None = None) -> CertificateReport:
    """The IP Office's identity certificate on each endpoint this run knows of.

    Before a run has recorded its endpoints: 443 and every ``TLSPORT`` the served file
    gives any phone profile (or the ``tls_ports`` given).
    """
    from ..office.certificates import DEFAULT_DAYS, check_certificates  # noqa: PLC0415

    journal = run.journal()
    url = run.ipo_url if journal is not None else run.new_run_url()
    ports = run.tls_ports or (list(journal.data.get("tls_ports") or []) if journal else [])
    return check_certificates(
        url,
        ports=ports,
        days=DEFAULT_DAYS if days is None else days,
        timeout=run.time_limit(url),
        verify=run.verify_tls,
        cafile=run.cafile,
        pin=run.pin,
    )


def _verdict(
    served_ok: bool, state: str, message: str, digest: str, diff: str, trust: TrustReport
) -> Verification:
    # After rollback the site is as it was before the advisory, trusted or not: the
    # phones' view is told, and judges nothing the rollback was asked to do.
    binding = state != ROLLED_BACK
    # After restore the regenerated certificate is the one phones keep: one that expires
    # within Manager's warning period fails verify as it fails `cert`.
    soon = expiring(trust.endpoints) if state == RESTORED else []
    ok = served_ok and (trust.ok or not binding) and not soon
    if served_ok and not trust.ok:
        message = f"{message}; {'but ' if binding else 'as before stage, '}{trust.summary()}"
        if binding and trust.failing:
            message += (
                ". If the certificate was regenerated since, the phones need the advisory's "
                "steps again: stage, restart the phones, restore"
            )
    if served_ok and soon:
        message = f"{message}; but {'; '.join(soon)}"
    return Verification(ok, state, message, digest, diff, trust)
