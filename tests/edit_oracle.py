"""An independent check of an edit's contract: every profile walked with ``evaluate``
directly, in both readings of ``GET`` (its file found, or not), without ``compare``."""

from __future__ import annotations

from ipo46xx import MODELS, Edit, IfStatement, Phone, SettingsFile, evaluate, parse


def _groups(doc: SettingsFile, wanted: str | None) -> list[str]:
    named = {
        s.operand
        for s in doc.statements()
        if isinstance(s, IfStatement) and s.variable.upper() == "$GROUP"
    }
    return sorted({"0", "98765", *named, *([wanted] if wanted else [])})


def profiles(doc: SettingsFile, group: str | None = None) -> list[Phone]:
    return [Phone.for_model(row, group=g) for g in _groups(doc, group) for row in MODELS]


def _empty(name: str) -> SettingsFile:
    return parse(b"", name=name)


def violations(
    old: SettingsFile,
    edit: Edit,
    name: str,
    wanted: dict[tuple[str, str, str], str | None],
    group: str | None = None,
) -> list[str]:
    """What breaks the contract; ``wanted`` maps (model4, sig, group) of each selected
    profile to the value it must end with (None: no value)."""
    problems = []
    new = edit.document
    for loader in (None, _empty):
        for phone in profiles(old, group):
            key = (phone.model4, str(phone.sig), str(phone.group))
            before = {k: s.value for k, s in evaluate(old, phone, loader).settings.items()}
            after = {k: s.value for k, s in evaluate(new, phone, loader).settings.items()}
            if key in wanted:
                if after.get(name) != wanted[key]:
                    problems.append(f"{key} {name}={after.get(name)!r} not {wanted[key]!r}")
                before.pop(name, None)
                after.pop(name, None)
            if before != after:
                problems.append(f"{key} {'selected' if key in wanted else 'other'} changed")
    return problems


def lossless(old: SettingsFile, edit: Edit) -> bool:
    """Every line the edit did not name keeps its bytes, in order."""
    new_lines = list(edit.document.lines)
    inserted = {c.line for c in edit.changes if c.kind == "inserted"}
    replaced = {c.line: c.old for c in edit.changes if c.kind == "replaced"}
    kept = [line for line in new_lines if line.number not in inserted]
    if len(kept) != len(old):
        return False
    for before, after in zip(old.lines, kept, strict=True):
        expected = replaced.get(after.number, before.text)
        if after.number not in replaced and after.text != before.text:
            return False
        if after.number in replaced and expected != before.text:
            return False
    return True
