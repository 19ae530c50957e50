"""Import hygiene: working on local files never pulls in the SMB stack."""

from __future__ import annotations

import subprocess
import sys


def test_import_ipo46xx_does_not_import_smbclient() -> None:
    code = (
        "import sys, ipo46xx\n"
        "doc = ipo46xx.parse(b'SET TRUSTCERTS x.pem')\n"
        "ipo46xx.blank_trustcerts(doc)\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('smbclient', 'smbprotocol', 'spnego'))\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
