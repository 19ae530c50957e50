"""The ``$VARIABLES`` a settings file can test, and where each is attested.

A phone replaces ``$NAME`` with its own value; a variable it does not have makes an
``IF`` line a no-op.  The evaluator's profiles fill the first five from the model table
(:mod:`~ipo46xx.format.phonemodels`); the others have no value until given
(``Phone(variables=...)``, ``eval --var NAME=VALUE``), because nothing documents what a
particular phone reports for them.

``$MACADDR`` is the phone's MAC address as phones write it: twelve lower-case hex digits,
no separators (Avaya's per-device files are named ``d47856b7122c.txt``; the J100 guide's
``GET $MACADDR.txt``).  :func:`phone_macaddr` turns what an operator types into that form.
"""

from __future__ import annotations

import re

__all__ = ["MODEL_VARIABLES", "VARIABLES", "phone_macaddr"]

VARIABLES: dict[str, str] = {
    "MODEL4": "J100 guide (conditionals); the first four characters of the model",
    "MODEL": "J100 guide (conditionals); Avaya's 96xxupgrade.txt (9620D01A)",
    "SIG": "96x1 and J100 guides, parameter SIG (1 H.323, 2 SIP); 96xxupgrade.txt",
    "SIG_IN_USE": "IP Office 11 generated files (H323, SIP); 96x1 R6+ and J100 guides",
    "GROUP": "J100 guide (conditionals); the phone's GROUP, 0 unless administered",
    "MACADDR": "J100 guide (conditionals, GET $MACADDR.txt); lower-case, no separators",
    "SERIALNO": "Avaya's 46xxsettings template (replaced inside values)",
    "MODEL6": "real files (DESIGN 2); what each model reports is not documented here",
    "BOOTNAME": "Avaya's upgrade scripts; the boot code's name, per phone and release",
    "APPNAME": "Avaya's upgrade scripts; the application file's name",
    "HWVERS": "real files (DESIGN 2); the hardware version, not documented here",
    "SHA2CAPABLE": "real files (DESIGN 2); whether the phone takes SHA-2 certificates",
    "VPNACTIVE": "real files (DESIGN 2); whether the phone's VPN is up",
    "PHONECC": "issue 21 (line 33 of a 16xxupgrade.txt); its values are not documented",
    "GEN": "issue 21 (real upgrade scripts); its values are not documented",
}
"""Every variable ipo46xx knows, by name without ``$``, with where it is attested."""

MODEL_VARIABLES = ("MODEL4", "MODEL", "SIG", "SIG_IN_USE")
"""The variables each row of the model table fills."""

_SEPARATORS = re.compile(r"[:.\- \t]")


def phone_macaddr(typed: str) -> str:
    """A MAC address as phones write it into ``$MACADDR``: lower case, no separators.

    >>> phone_macaddr("C8:1F:EA:9B:65:00")
    'c81fea9b6500'
    """
    return _SEPARATORS.sub("", typed).lower()
