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


def test_every_public_name_resolves_and_functions_stay_functions() -> None:
    import ipo46xx  # noqa: PLC0415
    import ipo46xx.evaluation  # noqa: PLC0415
    import ipo46xx.linting  # noqa: PLC0415

    for name in ipo46xx.__all__:
        assert getattr(ipo46xx, name) is not None, name
    assert callable(ipo46xx.evaluate) and callable(ipo46xx.lint)
    assert callable(ipo46xx.fetch) and callable(ipo46xx.trustcerts)
    assert set(ipo46xx.__all__) <= set(dir(ipo46xx))


def test_import_ipo46xx_loads_nothing_heavy() -> None:
    code = (
        "import sys, ipo46xx\n"
        "heavy = sorted(m for m in ('pyparsing', 'attrs', 'urllib.request', 'ssl', "
        "'smbclient') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
