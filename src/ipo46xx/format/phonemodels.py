"""The phones the evaluator knows: what each reports in the variables files branch on.

One :class:`Model` per model and signalling protocol.  Each row carries the values the
phone reports as ``$MODEL4``, ``$MODEL``, ``$SIG`` and ``$SIG_IN_USE``, and whether its
``SEQ`` ignores case.  Sources, and where they are thin:

* ``$MODEL4`` (first four characters of the model): the J100 guide's own example
  (``IF $MODEL4 SEQ J179 GOTO ...``, "Contents of the settings file"), and real IP Office
  11 auto-generated files, which branch on 1603/1608/1616, 9608/9611/9621/9641,
  9620/9630/9640, J139/J169/J179 and K175.  9650, 9670, J129, J159, J189, K155 and K165
  are the other models the 9600, J100 and K100 administration guides name.  1603 on SIP
  is in Avaya's 2013 template header ("1603 SIP R1.0"); J159 and J189 on H.323 and the
  Equinox/Workplace clients (``aca``, ``aci``, ``acm``, ``acw``: Android, iOS, Mac,
  Windows) are what real deployments' files branch on (issue 21), their guides
  **unverified**.  Each row's ``source`` names its own.
* ``$MODEL`` (the full hardware name): only ``9620D01A`` is attested, in Avaya's
  ``96xxupgrade.txt`` (``IF $MODEL SEQ 9620D01A goto SHA1BACKUPAPP96XX``).  Every other
  value here follows that pattern (``<model>D01A``, ``G`` for the 96x1 gigabit models)
  and is **unverified**: check it against a phone before relying on it.  The clients'
  ``$MODEL`` is unknown (``None``).
* ``$SIG``: the SIG parameter, ``1`` for H.323 and ``2`` for SIP (96x1 H.323 and SIP
  guides, J100 guide, parameter SIG; Avaya's ``96xxupgrade.txt`` tests ``$SIG SEQ 2``).
  The 1600 and K100 guides do not document SIG; their rows assume the same numbering.
* ``$SIG_IN_USE``: ``H323`` or ``SIP``, as IP Office auto-generated files compare it
  (``IF $SIG_IN_USE SEQ H323 GOTO H323SETTINGS``).  The 96x1 R6+ and J100 guides
  document it; for 16xx and 96x0 phones and the clients it is **assumed**, so that IP
  Office files route them the way IP Office intends.
* ``SEQ`` and case: the 96x1 (R6 and later) and J100 guides say the value must match
  *exactly*; the 9600 and 1600 guides say case does not matter.  The K100 guide is
  assumed to follow the J100 one.
"""

from __future__ import annotations

import attrs

__all__ = ["MODELS", "MODEL_FAMILIES", "OTHER_MODEL4", "Model", "find_model"]


@attrs.frozen
class Model:
    """One phone model on one signalling protocol, and what it reports.

    ``model`` is ``None`` where what the phone reports as ``$MODEL`` is not documented
    (an ``IF $MODEL`` line then does nothing for it).  ``source`` says where the row
    comes from.

    >>> find_model("9620", "SIP").seq_ignores_case
    True
    """

    family: str
    model4: str
    model: str | None
    sig: str  # "H323" or "SIP": the protocol the phone runs
    sig_number: str  # what $SIG reports
    sig_in_use: str  # what $SIG_IN_USE reports
    seq_ignores_case: bool
    source: str = ""


_SIG_NUMBER = {"H323": "1", "SIP": "2"}
_TEMPLATE_2013 = (
    "Avaya 46xxsettings.txt template of 29 August 2013, header "
    "(public copy: gist.github.com/LeftyBC/6589411)"
)

_Family = tuple[str, tuple[tuple[str, "str | None"], ...], tuple[str, ...], bool, str]
# family, models with their $MODEL, protocols, SEQ ignores case, source of the rows
_FAMILIES: tuple[_Family, ...] = (
    (
        "16xx",
        (("1603", "1603D01A"), ("1608", "1608D01A"), ("1616", "1616D01A")),
        ("H323",),
        True,
        "1600 guide (H.323; case does not matter); IP Office 11 generated files",
    ),
    # The template's header names "1603 SIP R1.0"; the 1600 guide's case rule is assumed.
    ("16xx", (("1603", "1603D01A"),), ("SIP",), True, _TEMPLATE_2013),
    (
        "96x0",
        (
            ("9620", "9620D01A"),
            ("9630", "9630D01A"),
            ("9640", "9640D01A"),
            ("9650", "9650D01A"),
            ("9670", "9670D01A"),
        ),
        ("H323", "SIP"),
        True,
        "9600 H.323 and SIP guides (case does not matter)",
    ),
    (
        "96x1",
        (("9608", "9608D01A"), ("9611", "9611GD01A"), ("9621", "9621GD01A"), ("9641", "9641GD01A")),
        ("H323", "SIP"),
        False,
        "96x1 H.323 and SIP guides, R6 and later (exact match)",
    ),
    (
        "J1x9",
        (("J139", "J139D01A"), ("J169", "J169D01A"), ("J179", "J179D01A")),
        ("H323", "SIP"),
        False,
        "J100 guide (exact match); IP Office 11 generated files branch on J139/J169/J179",
    ),
    (
        "J1x9",
        (("J129", "J129D01A"), ("J159", "J159D01A"), ("J189", "J189D01A")),
        ("SIP",),
        False,
        "J100 guide (SIP)",
    ),
    # Real deployments' files send J159 and J189 to H.323 sections (issue 21); the
    # release that brought H.323 to these two models is unverified here.
    (
        "J1x9",
        (("J159", "J159D01A"), ("J189", "J189D01A")),
        ("H323",),
        False,
        "issue 21 (deployments' files); J100 H.323 guide unverified",
    ),
    (
        "K1xx",
        (("K155", "K155D01A"), ("K165", "K165D01A"), ("K175", "K175D01A")),
        ("SIP",),
        False,
        "K100 guide (SIP); exact match assumed, as J100",
    ),
    # Avaya Equinox / Workplace soft clients: Android, iOS, Mac, Windows.  Their $MODEL
    # is not documented; exact match assumed.
    (
        "client",
        (("aca", None), ("aci", None), ("acm", None), ("acw", None)),
        ("SIP",),
        False,
        "issue 21 (deployments' files branch on $MODEL4 aca/aci/acm/acw); "
        "Workplace client guide unverified",
    ),
)


def _rows() -> tuple[Model, ...]:
    rows = [
        Model(family, model4, model, sig, _SIG_NUMBER[sig], sig, ignores, source)
        for family, models, sigs, ignores, source in _FAMILIES
        for model4, model in models
        for sig in sigs
    ]
    first: dict[str, int] = {}
    for index, (family, *_rest) in enumerate(_FAMILIES):
        first.setdefault(family, index)
    return tuple(sorted(rows, key=lambda r: (first[r.family], r.model4, r.sig)))


MODELS: tuple[Model, ...] = _rows()
"""Every model and protocol the evaluator knows, family by family, model by model."""

OTHER_MODEL4: tuple[str, ...] = ("3631", "3641", "3645", "1692", "16CC")
"""Models Avaya's 2013 template names whose variables the table does not model; with
every ``46xx`` (4600 guide), a ``$MODEL4`` test of them is not a test that never holds."""


def _families() -> tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]:
    families: dict[str, tuple[dict[str, None], dict[str, None]]] = {}
    for row in MODELS:
        models, sigs = families.setdefault(row.family, ({}, {}))
        models[row.model4] = None
        sigs[row.sig] = None
    order = tuple(_SIG_NUMBER)
    return tuple((f, tuple(m), tuple(sorted(s, key=order.index))) for f, (m, s) in families.items())


MODEL_FAMILIES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = _families()
"""``(family, models, protocols)``, one entry a family; :data:`MODELS` has the rows (not
every model of a family runs every protocol listed)."""


def find_model(model4: str, sig: str | None = None) -> Model | None:
    """The row for ``model4`` (any case) on ``sig``, or its first row when ``sig`` is None.

    >>> find_model("j179", "SIP").model
    'J179D01A'
    >>> find_model("4610") is None
    True
    """
    wanted = model4.casefold()
    for row in MODELS:
        if row.model4.casefold() == wanted and (sig is None or row.sig == sig):
            return row
    return None
