"""A change run, carried out: plan it, make it on the card, check what the IP Office then
serves (:func:`check_served`, and :func:`verify_change` for ``verify``).

The decisions are :func:`~ipo46xx.staging.flow.decide_change` and ``decide_rollback``;
:mod:`.changing` works out which file takes the change and proves it beforehand
(:mod:`.change_proof`).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import Ipo46xxError, StateError, TargetChangedError
from ..format.compare import Phones, compare
from ..format.document import parse
from ..office.ipoffice import IpOffice
from ..storage import digest_of
from .change_proof import prove_change
from .change_request import SettingEdit, recorded_request, request_of
from .changing import SPECIALS, PreparedChange, Served, begin_change, gets, overlay, prepare_change
from .flow import SETTINGS, Expect, Unit, decide_change, decide_rollback
from .journal import Journal, state_lock
from .results import (
    CHANGE_FROM,
    CHANGED,
    CHANGING,
    NEW,
    ROLLED_BACK,
    ROLLING_BACK,
    Outcome,
    Plan,
    Verification,
)
from .run import Run

__all__ = ["change", "check_served", "plan_change", "verify_change"]


def plan_change(run: Run, edits: Sequence[SettingEdit], phones: Phones | None = None) -> Plan:
    """What :meth:`change` would do now: its steps, the diff of each file and the
    effect on every phone profile; changes nothing."""
    journal = run.journal()
    if journal is not None and journal.state not in CHANGE_FROM:
        raise StateError(run.wrong_state(journal.state, "change"))
    if journal is not None and journal.state == CHANGING:
        _same_request(run, journal, edits, phones)
        steps = run.engine.simulate(run.engine.expects(journal), decide_change, journal)
        notes = ["continuing an interrupted change with the files the journal kept"]
        return Plan("change", steps, "", notes)
    url = run.new_run_url()
    prepared = _prepare(run, url, edits, phones)
    if not prepared.files:
        return Plan("change", [], "", [f"nothing to do: {prepared.notes[0]}"])
    units = [
        (
            Unit(f.name),
            Expect(
                original=digest_of(f.original) if f.original is not None else None,
                staged=digest_of(f.changed),
            ),
        )
        for f in prepared.files
    ]
    steps = [f"download {url} and every file its phones reach; edit and prove the change"]
    steps += run.engine.simulate(units, decide_change, None)
    return Plan("change", steps, prepared.diff(), list(prepared.notes), prepared.effect)


def change(run: Run, edits: Sequence[SettingEdit], phones: Phones | None = None) -> Outcome:
    """Change settings for exactly the phones named, in the file of the card that decides
    them, with the journal, ``.bak`` and read-back of ``stage``; then check that the IP
    Office serves exactly that change.  Rollback undoes it byte for byte."""
    with state_lock(run.state_dir, run.storage.url):
        journal = run.journal()
        if journal is not None and journal.state not in CHANGE_FROM:
            raise StateError(run.wrong_state(journal.state, "change"))
        diff = ""
        if journal is not None and journal.state == CHANGING:
            run.refuse_other_ipo()
            _same_request(run, journal, edits, phones)
        else:
            url = run.new_run_url()
            prepared = _prepare(run, url, edits, phones)
            if not prepared.files:
                state = journal.state if journal is not None else NEW
                return Outcome("change", state, [f"nothing to do: {prepared.notes[0]}"], "")
            journal = Journal.create(run.state_dir, run.storage.url, url)
            begin_change(journal, prepared, request_of(edits, phones))
            diff = prepared.diff()
        done = run.engine.run(journal, decide_change)
        run.engine.sweep(journal)
        journal.state = CHANGED
        journal.save()
        try:
            problems, missing = check_served(run.office(), journal)
        except Ipo46xxError as exc:
            problems, missing = (
                [
                    f"cannot check what the IP Office serves now ({exc}); "
                    "run `ipo46xx verify` once it answers"
                ],
                None,
            )
        if missing is not None:
            _undo(run, journal)
            other = next(n for n in SPECIALS if n != missing.lower())
            raise StateError(
                f"{problems[0]}, so the change would reach no phone; the card was put back "
                f"as it was. This release may name {other} instead: check the GET lines "
                f"at the end of the {SETTINGS} it serves"
            )
        return Outcome("change", CHANGED, done, diff, problems)


def _prepare(
    run: Run, url: str, edits: Sequence[SettingEdit], phones: Phones | None
) -> PreparedChange:
    prepared = prepare_change(run.office(url), run.storage, edits, phones)
    for changed in prepared.files:
        backup = Unit(changed.name).backup
        if changed.original is not None and run.storage.exists(backup):
            raise TargetChangedError(
                f"{backup} already exists on {run.storage.url} and this run did not make "
                "it; it may be someone's only copy. Move it away (or delete it if you are "
                "sure), then run change again"
            )
    return prepared


def _same_request(
    run: Run, journal: Journal, edits: Sequence[SettingEdit], phones: Phones | None
) -> None:
    if journal.data.get("request") != request_of(edits, phones):
        raise StateError(
            f"a different change of {run.storage.url} is under way; run it again with "
            "the same settings and phones to finish it, or rollback"
        )


def _undo(run: Run, journal: Journal) -> None:
    journal.state = ROLLING_BACK
    journal.save()
    run.engine.run(journal, decide_rollback)
    run.engine.sweep(journal)
    journal.state = ROLLED_BACK
    journal.save()


def check_served(office: IpOffice, journal: Journal) -> tuple[list[str], str | None]:
    """After a change: do the phones get exactly it from what the IP Office serves now?

    Returns the problems (empty: exactly the change) and the name of a created file the
    generated ``46xxsettings.txt`` does not GET (the change then reaches no phone).
    """
    edits, phones = recorded_request(journal)
    served_before = journal.kept("served")
    served_now = office.fetch()
    root_before = parse(served_before, name=SETTINGS)
    root_now = parse(served_now, name=SETTINGS)
    originals = _originals(journal)
    for name, original in originals.items():
        if original is None and name != SETTINGS and name not in gets(root_now):
            return [f"the IP Office's {SETTINGS} does not GET {name}"], name
    now = Served(office, served_now)
    before = overlay(now, {**originals, SETTINGS: served_before})
    _effect, problems = prove_change(
        (root_before, before),
        (root_now, now),
        edits,
        phones,
        list(originals),
        [
            root_before,
            *(parse(data, name=n) for n, data in originals.items() if data is not None),
            *now.documents(),
        ],
    )
    return problems, None


def _originals(journal: Journal) -> dict[str, bytes | None]:
    """Each file the change wrote, as it was before (``None``: the change created it)."""
    units = [Unit(name) for name in journal.data.get("units") or []]
    return {
        u.name: journal.kept(u.kind("original")) if journal.digest(u.kind("original")) else None
        for u in units
    }


def verify_change(office: IpOffice, journal: Journal) -> Verification:
    """``verify`` for a change run: after the change, each phone named gets it and nothing
    else differs from before; after rollback, nothing differs at all."""
    from ..storage import digest_of  # noqa: PLC0415

    edits, phones = recorded_request(journal)
    asked = ", ".join(e.describe() for e in edits)
    whom = f"the phones named ({phones.describe()})" if phones is not None else "every phone"
    if journal.state == CHANGED:
        problems, missing = check_served(office, journal)
        digest = digest_of(office.fetch())
        if missing:
            return Verification(
                False, CHANGED, f"{problems[0]}: the change ({asked}) reaches no phone", digest, ""
            )
        if problems:
            return Verification(
                False,
                CHANGED,
                f"what the IP Office serves does not give {whom} exactly {asked}: "
                + "; ".join(problems[:6]),
                digest,
                "",
            )
        return Verification(
            True,
            CHANGED,
            f"the IP Office serves the change: {whom} {'gets' if phones is None else 'get'} "
            f"{asked}, and no other phone gets "
            "anything different",
            digest,
            "",
        )
    if journal.state == ROLLED_BACK:
        served_before = journal.kept("served")
        served_now = office.fetch()
        now = Served(office, served_now)
        # The before side reads the files as they were, not as the card holds them now.
        before = overlay(now, {**_originals(journal), SETTINGS: served_before})
        effect = compare(parse(served_before), parse(served_now), None, (before, now))
        if effect.differs:
            return Verification(
                False,
                ROLLED_BACK,
                "after rollback the phones do not get what they got before the change: "
                + "; ".join(
                    f"{', '.join(d.profiles[:3])}: {', '.join(c.name for c in d.changes)}"
                    for d in effect.differences[:4]
                ),
                digest_of(served_now),
                "",
            )
        return Verification(
            True,
            ROLLED_BACK,
            "the IP Office serves what it served before the change, to every phone",
            digest_of(served_now),
            "",
        )
    raise StateError(
        f"cannot verify a change run while it is {journal.state}; run change again to "
        "finish it, or rollback"
    )
