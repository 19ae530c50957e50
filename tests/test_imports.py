"""Import hygiene: working on local files never pulls in the SMB stack."""

from __future__ import annotations

import subprocess
import sys


def test_local_work_does_not_import_smbclient() -> None:
    code = (
        "import sys, tempfile, ipo46xx\n"
        "from ipo46xx.storage import open_storage\n"
        "doc = ipo46xx.parse(b'SET TRUSTCERTS x.pem')\n"
        "store = open_storage(tempfile.mkdtemp())\n"
        "store.write('46xxsettings.txt', ipo46xx.blank_trustcerts(doc).document.to_bytes())\n"
        "open_storage('memory://').list()\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('smbclient', 'smbprotocol', 'spnego'))\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
