"""Issue 18 items 3, 5 (regenerated under an unchanged root CA), 6, 7 and 10 (the
certificate part), through ``ipo46xx.cli.main`` on the emulator (a real HTTP and TLS peer)
and a real SD card folder."""

from __future__ import annotations

import datetime as dt
import json
import pathlib
import shutil
import subprocess
from collections.abc import Iterator

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from ipo46xx.emulator import INITIAL_ROOT_CA, make_identity_certificate
from ipo46xx.office.certificates import Certificate

from .staging_site import SETTINGS
from .test_trust_flow import Site, run
from .test_trust_paths import Spec, build
from .tls_servers import Made, free_port, make_cert, tls_server

BACKUP_SITE_CA = "Root-CA-B0B0B0B0.pem"
SPECIALS = "46xxspecials.txt"


@pytest.fixture
def site(tmp_path: pathlib.Path) -> Iterator[Site]:
    made = Site(tmp_path / "a", explicit=False)
    yield made
    made.ipo.stop()


def ber_certificate(issuer: Made | None = None) -> Made:
    """A CA certificate (self-signed, or by ``issuer``) whose BasicConstraints cA is
    BOOLEAN TRUE written as 0x01 (BER) instead of 0xFF (DER), signed again: OpenSSL
    accepts it."""
    name = "Site Issuing CA" if issuer else "ipoffice-00E00701A2B3.avaya.com"
    made = make_cert(issuer=issuer, key_slot=6 if issuer else 0, common_name=name)
    tbs = made.cert.tbs_certificate_bytes
    der_true = bytes.fromhex("0603551d130101ff040830060101ff020100")
    ber_true = bytes.fromhex("0603551d130101ff04083006010101020100")
    assert der_true in tbs
    patched = tbs.replace(der_true, ber_true)
    signer = issuer.key if issuer else made.key
    signature = signer.sign(patched, padding.PKCS1v15(), hashes.SHA256())
    der = made.der.replace(tbs, patched).replace(made.cert.signature, signature)
    cert = x509.load_der_x509_certificate(der)
    pem = cert.public_bytes(serialization.Encoding.PEM)
    return Made(pem, der, made.key_pem, cert, made.key)


def openssl_accepts(tmp_path: pathlib.Path, made: Made) -> bool:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed (CI installs it)")
    path = tmp_path / "ber.pem"
    path.write_bytes(made.pem)
    argv = [openssl, "verify", "-CAfile", str(path), str(path)]
    return subprocess.run(argv, capture_output=True, timeout=60, check=False).returncode == 0


# -- 3: another IP Office's root CA is kept -------------------------------------------------


def test_item3_restore_keeps_a_backup_sites_root_ca_in_every_file(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    other = make_cert(common_name="ipoffice-backup.avaya.com", key_slot=5)
    site.card.write(BACKUP_SITE_CA, other.pem)  # served too: phones fetch it from here
    site.card.write(SPECIALS, f"ADD TRUSTCERTS {BACKUP_SITE_CA}\r\n".encode())
    explicit = (
        f'SET TRUSTCERTS "AcmeRootCA.pem,{INITIAL_ROOT_CA},{BACKUP_SITE_CA}"\r\n'
        f"SET TLSPORT {site.ipo.tls_port}\r\nGET {SPECIALS}\r\n"
    ).encode()
    site.card.write(SETTINGS, explicit)
    code, out, err = run(capsys, site.args("stage", ipo=site.ipo.url))
    assert code == 0, (out, err)
    assert BACKUP_SITE_CA.encode() not in site.card.read(SPECIALS)  # blanked while staged
    code, out, err = run(capsys, site.args("restore", "--dry-run"))
    assert code == 0, (out, err)
    assert f"replaces {INITIAL_ROOT_CA} in the administrator's file" in out
    assert f"{SPECIALS} comes back from 46xxspecials.bak; {BACKUP_SITE_CA} (another" in out
    new = site.ipo.regenerate_certificate()
    replace = ["--replace", f"{INITIAL_ROOT_CA}={new}"]
    code, out, err = run(capsys, site.args("restore", "--dry-run", *replace))
    assert code == 0, (out, err)
    assert f"-ADD TRUSTCERTS {BACKUP_SITE_CA}" not in out
    code, out, err = run(capsys, site.args("restore"))
    assert code == 0, (out, err)
    assert site.card.read(SETTINGS) == explicit.replace(INITIAL_ROOT_CA.encode(), new.encode())
    assert site.card.read(SPECIALS) == f"ADD TRUSTCERTS {BACKUP_SITE_CA}\r\n".encode()


def test_item3_without_a_record_from_stage_the_name_still_served_is_kept(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    # Nothing answered on TLS at stage: which root CA was this IP Office's is not recorded.
    site.card.write(BACKUP_SITE_CA, make_cert(common_name="backup", key_slot=5).pem)
    site.card.write(SPECIALS, f"ADD TRUSTCERTS {BACKUP_SITE_CA}\r\n".encode())
    explicit = (
        f'SET TRUSTCERTS "{INITIAL_ROOT_CA},{BACKUP_SITE_CA}"\r\nGET {SPECIALS}\r\n'
    ).encode()
    site.card.write(SETTINGS, explicit)
    closed = str(free_port())
    code, out, err = run(capsys, site.args("stage", "--tls-port", closed, ipo=site.ipo.url))
    assert code == 0, (out, err)
    new = site.ipo.regenerate_certificate()
    tls = ["--tls-port", str(site.ipo.tls_port)]
    code, out, err = run(capsys, site.args("restore", *tls))
    assert site.card.read(SPECIALS) == f"ADD TRUSTCERTS {BACKUP_SITE_CA}\r\n".encode()
    assert site.card.read(SETTINGS) == explicit.replace(INITIAL_ROOT_CA.encode(), new.encode())
    assert code == 0, (out, err)


def test_item3_a_file_naming_only_the_backup_sites_ca_keeps_it(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    # No explicit 46xxsettings.txt: the IP Office generates it and GETs 46xxspecials.txt.
    site.card.write(BACKUP_SITE_CA, make_cert(common_name="backup", key_slot=5).pem)
    # For H.323 9611s only: the others name no root CA of this IP Office at all.
    specials = (
        "IF $SIG_IN_USE SEQ SIP GOTO END\r\nIF $MODEL4 SEQ 9611 GOTO BACKUP\r\nGOTO END\r\n"
        "# BACKUP\r\n"
        f"ADD TRUSTCERTS {BACKUP_SITE_CA}\r\n# END\r\n"
    ).encode()
    site.card.write(SPECIALS, specials)
    code, out, err = run(capsys, site.args("stage", ipo=site.ipo.url))
    assert code == 0, (out, err)
    site.ipo.regenerate_certificate()
    code, out, err = run(capsys, site.args("restore"))
    assert code == 0, (out, err)
    assert site.card.read(SPECIALS) == specials


# -- 5: an identity reissued under an unchanged root CA --------------------------------------


def _issued_identity(issuer: Made, slot: int, *above: Made) -> tuple[bytes, bytes]:
    leaf = make_cert(issuer=issuer, ca=False, key_slot=slot)
    return leaf.pem + b"".join(m.pem for m in above), leaf.key_pem


@pytest.mark.parametrize("intermediate", [False, True], ids=["root-leaf", "root-inter-leaf"])
def test_item5_identity_reissued_under_the_same_root_ca_is_restored(
    intermediate: bool, site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    root = build(Spec("Site Root CA"), 1, None)  # no path length constraint
    inter = build(Spec("Site Issuing CA", path_length=0), 4, root)
    chain = (inter, inter) if intermediate else (root,)  # the issuer, then what is presented
    site.ipo.install_certificate(_issued_identity(chain[0], 2, *chain[1:]), root_ca_pem=root.pem)
    code, out, err = run(capsys, site.args("stage", ipo=site.ipo.url))
    assert code == 0, (out, err)
    staged = site.snapshot()
    # Not reissued yet: refused, the staged file stays.
    code, out, err = run(capsys, site.args("restore"))
    assert code == 3 and "not been regenerated" in err, (out, err)
    assert site.snapshot() == staged
    site.ipo.install_certificate(_issued_identity(chain[0], 3, *chain[1:]), root_ca_pem=root.pem)
    code, out, err = run(capsys, site.args("restore"))
    assert code == 0, (out, err)
    assert "will trust" in out and INITIAL_ROOT_CA in out
    code, out, err = run(capsys, site.args("verify"))
    assert code == 0, (out, err)


# -- 6: a regenerated certificate that expires soon ------------------------------------------


def test_item6_restore_warns_and_verify_fails_on_a_certificate_expiring_in_3_days(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, site.args("stage", ipo=site.ipo.url))
    assert code == 0, (out, err)
    site.ipo.regenerate_certificate()
    short = make_identity_certificate(lifetime=dt.timedelta(days=4))  # from yesterday
    site.ipo.install_certificate(short)
    code, out, err = run(capsys, site.args("restore"))
    assert code == 0, (out, err)
    assert "warning:" in out and "expires-soon" in out and "2 days" in out
    code, out, err = run(capsys, site.args("verify"))
    assert code == 1, (out, err)
    assert "expires-soon" in out and "2 days" in out
    code, out, err = run(capsys, site.args("verify", "--json"))
    assert code == 1 and json.loads(out)["ok"] is False


# -- 7: cannot tell is not will not ----------------------------------------------------------


def test_item7_no_tls_endpoint_says_cannot_tell_and_how_to_tell(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    closed = free_port()
    code, out, err = run(capsys, site.args("stage", "--tls-port", str(closed), ipo=site.ipo.url))
    assert code == 0, (out, err)
    site.ipo.regenerate_certificate()
    code, out, err = run(capsys, site.args("restore", "--tls-port", str(closed)))
    assert code == 1, (out, err)
    assert "would not trust" not in out and "will not" not in out
    assert "cannot tell" in out.lower() and str(closed) in out and "--tls-port" in out
    assert "network that reaches" in out
    code, out, err = run(capsys, site.args("status"))
    assert "would not trust" not in out and "Step 9" not in out
    assert "cannot tell" in out.lower()
    code, out, err = run(capsys, site.args("verify", "--tls-port", str(closed)))
    assert code == 1, (out, err)
    assert "cannot tell" in out and f"port {closed}: connection refused" in out
    assert "will not" not in out


# -- 10: a certificate whose BasicConstraints boolean is BER --------------------------------


def test_item10_cert_names_a_ber_certificate_and_exits_1(
    tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    made = ber_certificate()
    assert openssl_accepts(tmp_path, made)
    assert Certificate.from_der(made.der).oddities
    with tls_server(made) as server:
        code, out, err = run(capsys, ["cert", "--ipo", "127.0.0.1", "--port", str(server.port)])
        assert code == 1, (out, err)
        assert "malformed" in out and "DER" in out
        code, out, err = run(
            capsys, ["cert", "--ipo", "127.0.0.1", "--port", str(server.port), "--json"]
        )
    assert code == 1 and "malformed" in json.loads(out)["problems"]


def test_item10_a_restore_that_cannot_judge_puts_the_staged_file_back(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    made = ber_certificate()
    site.ipo.install_certificate((made.pem, made.key_pem))
    code, out, err = run(capsys, site.args("stage", ipo=site.ipo.url))
    assert code == 0, (out, err)
    assert "malformed" in out and "not valid DER" in out  # said, not crashed on
    staged = site.snapshot()
    site.ipo.regenerate_certificate()
    again = ber_certificate()
    site.ipo.install_certificate((again.pem, again.key_pem))
    code, out, err = run(capsys, site.args("restore"))
    assert code == 3, (out, err)
    assert "DER" in err and "put back" in err
    assert site.snapshot() == staged
    assert site.stager().status().state == "staged"


def test_item10_a_malformed_intermediate_also_puts_the_staged_file_back(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, site.args("stage", ipo=site.ipo.url))
    assert code == 0, (out, err)
    staged = site.snapshot()
    site.ipo.regenerate_certificate()
    root = make_cert(common_name="Site Root CA", key_slot=1)
    inter = ber_certificate(root)
    leaf = make_cert(issuer=inter, ca=False, key_slot=3)
    site.ipo.install_certificate((leaf.pem + inter.pem, leaf.key_pem), root_ca_pem=root.pem)
    code, out, err = run(capsys, site.args("restore"))
    assert code == 3, (out, err)
    assert "DER" in err and "put back" in err
    assert site.snapshot() == staged
    assert site.stager().status().state == "staged"
