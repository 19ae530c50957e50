"""Issue 18 items 4 and 5: the whole certification path judged as a phone judges it, with
``openssl verify -CAfile ROOTS [-untrusted PRESENTED] LEAF`` as the reference: every case
below is judged by both, on the same certificates, and the verdicts must agree."""

from __future__ import annotations

import datetime as dt
import pathlib
import shutil
import subprocess

import attrs
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipo46xx import parse
from ipo46xx.office.certificates import Certificate, Endpoint, read_endpoint
from ipo46xx.office.download import download
from ipo46xx.office.paths import judge_path
from ipo46xx.office.trust import TrustReport, check_trust

from .tls_servers import Made, _key, file_server, now, tls_server

DAY = dt.timedelta(days=1)
ROOT = "Root-CA-0214515C.pem"


@attrs.frozen
class Spec:
    """How one certificate of a case is made."""

    cn: str
    ca: bool | None = True  # None: no basic constraints at all
    path_length: int | None = None
    cert_sign: bool | None = None  # None: no key usage
    not_before: dt.timedelta = -DAY  # from now
    not_after: dt.timedelta = 800 * DAY
    issuer_name: str | None = None  # the issuer name written into it (case games)
    signer_slot: int | None = None  # sign with another key than the issuer's


def build(spec: Spec, slot: int, issuer: Made | None) -> Made:
    key = _key(2048, slot)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Avaya Inc"),
            x509.NameAttribute(NameOID.COMMON_NAME, spec.cn),
        ]
    )
    issuer_name = issuer.cert.subject if issuer else name
    if spec.issuer_name is not None:
        issuer_name = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "AVAYA  inc"),
                x509.NameAttribute(NameOID.COMMON_NAME, spec.issuer_name),
            ]
        )
    signer = issuer.key if issuer else key
    if spec.signer_slot is not None:
        signer = _key(2048, spec.signer_slot)
    start = now() + spec.not_before
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(now() + spec.not_after)
    )
    if spec.ca is not None:
        builder = builder.add_extension(
            x509.BasicConstraints(spec.ca, spec.path_length if spec.ca else None), critical=True
        )
    if spec.cert_sign is not None:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=spec.cert_sign,
                crl_sign=spec.cert_sign,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    cert = builder.sign(signer, hashes.SHA256())
    pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return Made(pem, cert.public_bytes(serialization.Encoding.DER), key_pem, cert, key)


@attrs.frozen
class Case:
    """A root, an optional intermediate, a leaf; what the file holds and what is presented."""

    root: Spec = Spec("IPO Root CA")
    inter: Spec | None = None
    leaf: Spec = Spec("ipoffice-00E00701A2B3.avaya.com", ca=False)
    file: str = "root"  # "root", "inter", "root+inter", "leaf"
    presents_inter: bool = True

    def make(self) -> tuple[list[Made], list[Made]]:
        """(the trusted file's certificates, the presented chain leaf first)."""
        root = build(self.root, 1, None)
        inter = build(self.inter, 2, root) if self.inter else None
        leaf = build(self.leaf, 3, inter or root)
        anchors = {
            "root": [root],
            "inter": [inter] if inter else [],
            "root+inter": [root] + ([inter] if inter else []),
            "leaf": [leaf],
        }[self.file]
        presented = [leaf] + ([inter] if inter and self.presents_inter else [])
        return anchors, presented


INTER = Spec("IPO Issuing CA")
SELF = Spec("ipoffice-00E00701A2B3.avaya.com", path_length=0)  # the IP Office default


def _variants() -> dict[str, Case]:
    expired = {"not_before": -900 * DAY, "not_after": -DAY}
    future = {"not_before": 2 * DAY, "not_after": 900 * DAY}
    changes: dict[str, dict[str, object]] = {
        "expired": expired,
        "not-yet-valid": future,
        "ca-false": {"ca": False},
        "no-basic-constraints": {"ca": None},
        "no-bc-but-certsign": {"ca": None, "cert_sign": True},
        "usage-without-certsign": {"cert_sign": False},
        "usage-with-certsign": {"cert_sign": True},
        "pathlen-0": {"path_length": 0},
        "wrong-key": {"signer_slot": 4},
    }
    cases: dict[str, Case] = {"root-leaf": Case(), "root-inter-leaf": Case(inter=INTER)}
    for change, fields in changes.items():
        for role in ("root", "inter", "leaf"):
            if role == "leaf" and change in ("ca-false", "pathlen-0"):
                continue
            for shape in ("two", "three"):
                if shape == "two" and role == "inter":
                    continue
                base = Case(inter=INTER if shape == "three" else None)
                spec = getattr(base, role)
                if change == "pathlen-0" and spec.ca is not True:
                    continue
                if change == "wrong-key" and role == "root":
                    continue  # a root's own signature is not checked
                made = attrs.evolve(base, **{role: attrs.evolve(spec, **fields)})  # type: ignore[misc]
                cases[f"{shape}-{role}-{change}"] = made
    cases["three-inter-not-presented"] = Case(inter=INTER, presents_inter=False)
    cases["three-file-holds-only-inter"] = Case(inter=INTER, file="inter")
    cases["three-file-holds-root-and-inter"] = Case(
        inter=INTER, file="root+inter", presents_inter=False
    )
    cases["issuer-name-case"] = Case(leaf=attrs.evolve(Case().leaf, issuer_name="ipo  root ca"))
    cases["three-issuer-name-case"] = Case(
        inter=INTER, leaf=attrs.evolve(Case().leaf, issuer_name="IPO ISSUING CA")
    )
    cases["three-root-pathlen-1"] = Case(root=attrs.evolve(Case().root, path_length=1), inter=INTER)
    cases["self-signed-in-file"] = Case(leaf=SELF, file="leaf")
    cases["self-signed-expired"] = Case(leaf=attrs.evolve(SELF, not_after=-DAY), file="leaf")
    cases["self-signed-future"] = Case(leaf=attrs.evolve(SELF, not_before=DAY), file="leaf")
    cases["self-signed-ca-false"] = Case(leaf=attrs.evolve(SELF, ca=False), file="leaf")
    cases["self-signed-no-certsign"] = Case(leaf=attrs.evolve(SELF, cert_sign=False), file="leaf")
    cases["self-signed-other-file"] = Case(leaf=SELF, file="root")
    return cases


CASES = _variants()


def openssl_verdict(tmp_path: pathlib.Path, anchors: list[Made], presented: list[Made]) -> bool:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed (CI installs it)")
    roots, leaf, inter = tmp_path / "roots.pem", tmp_path / "leaf.pem", tmp_path / "inter.pem"
    roots.write_bytes(b"".join(m.pem for m in anchors) or b"")
    leaf.write_bytes(presented[0].pem)
    argv = [openssl, "verify", "-CAfile", str(roots)]
    if presented[1:]:
        inter.write_bytes(b"".join(m.pem for m in presented[1:]))
        argv += ["-untrusted", str(inter)]
    result = subprocess.run([*argv, str(leaf)], capture_output=True, timeout=60, check=False)
    return result.returncode == 0


def certificates(made: list[Made]) -> list[Certificate]:
    return [Certificate.from_der(m.der) for m in made]


@pytest.mark.parametrize("name", CASES, ids=list(CASES))
def test_item4_path_verdict_agrees_with_openssl_verify(name: str, tmp_path: pathlib.Path) -> None:
    anchors, presented = CASES[name].make()
    if not anchors:
        pytest.skip("no intermediate in this shape")
    expected = openssl_verdict(tmp_path, anchors, presented)
    verdict = judge_path(certificates(presented), certificates(anchors), now())
    assert verdict.trusted is expected, (name, verdict.reason)


def _specs(cn: str, issuer_cn: str | None, leaf: bool) -> st.SearchStrategy[Spec]:
    validity = st.sampled_from([(-DAY, 800 * DAY), (-900 * DAY, -DAY), (2 * DAY, 900 * DAY)])
    ca = (
        st.sampled_from([False, None, True]) if leaf else st.sampled_from([True, True, False, None])
    )
    return st.builds(
        lambda ca, length, sign, dates, case, wrong: Spec(
            cn,
            ca=ca,
            path_length=length if ca else None,
            cert_sign=sign,
            not_before=dates[0],
            not_after=dates[1],
            issuer_name=issuer_cn.swapcase() if case and issuer_cn else None,
            signer_slot=4 if wrong and issuer_cn else None,
        ),
        ca,
        st.sampled_from([None, None, 0, 1]),
        st.sampled_from([None, None, True, False]),
        validity,
        st.booleans(),
        st.integers(0, 5).map(lambda n: n == 0),  # now and then a wrong signature
    )


@st.composite
def cases(draw: st.DrawFn) -> Case:
    three = draw(st.booleans())
    root = draw(_specs("IPO Root CA", None, leaf=False))
    inter = draw(_specs(INTER.cn, root.cn, leaf=False)) if three else None
    leaf = draw(_specs(SELF.cn, (inter or root).cn, leaf=True))
    files = ["root", "root+inter", "inter", "leaf"] if three else ["root", "leaf"]
    return Case(root, inter, leaf, draw(st.sampled_from(files)), draw(st.booleans()))


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases())
def test_item4_generated_paths_agree_with_openssl_verify(
    case: Case, tmp_path: pathlib.Path
) -> None:
    anchors, presented = case.make()
    if not anchors:
        return
    expected = openssl_verdict(tmp_path, anchors, presented)
    verdict = judge_path(certificates(presented), certificates(anchors), now())
    assert verdict.trusted is expected, (case, verdict.reason)


def test_item4_the_table_holds_both_verdicts() -> None:
    # A table where every case agrees because all are refused (or all accepted) proves little.
    verdicts = set()
    for case in ("root-leaf", "three-root-expired", "three-root-pathlen-0"):
        anchors, presented = CASES[case].make()
        verdicts.add(judge_path(certificates(presented), certificates(anchors), now()).trusted)
    assert verdicts == {True, False}


def _served(tmp_path: pathlib.Path, case: Case) -> tuple[Endpoint, TrustReport, bool]:
    """``case`` served for real (the chain on a TLS port, the file over HTTP): what was
    read, the phones' view, and ``openssl verify``'s verdict on the same certificates."""
    anchors, presented = case.make()
    identity = attrs.evolve(presented[0], pem=b"".join(m.pem for m in presented))
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / ROOT).write_bytes(b"".join(m.pem for m in anchors))
    with tls_server(identity) as tls, file_server(folder) as base:
        endpoint = read_endpoint("127.0.0.1", tls.port, timeout=5, now=now())
        report = check_trust(
            parse(f"SET TRUSTCERTS {ROOT}\r\n".encode()),
            [endpoint],
            lambda name: download(f"{base}/{name}", timeout=5)[0],
        )
    assert [c.der for c in endpoint.chain] == [m.der for m in presented]
    return endpoint, report, openssl_verdict(tmp_path, anchors, presented)


REFUSALS = {
    "three-root-expired": "CA CN=IPO Root CA,O=Avaya Inc expired on",
    "three-root-ca-false": "is not a CA (CA:FALSE)",
    "two-root-usage-without-certsign": "key usage without keyCertSign",
    "two-root-not-yet-valid": "CA CN=IPO Root CA,O=Avaya Inc is not valid before",
    "three-file-holds-only-inter": "holds no root (self-signed) CA, only CN=IPO Issuing CA",
    "three-root-pathlen-0": "allows 0 intermediate CA(s) below it, the path has 1",
    "three-inter-not-presented": "CN=IPO Issuing CA,O=Avaya Inc, issuer of",
}


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_item4_check_trust_refuses_a_bad_root_as_openssl_does(
    case: str, tmp_path: pathlib.Path
) -> None:
    _, report, openssl_ok = _served(tmp_path, CASES[case])
    assert openssl_ok is False
    assert report.ok is False and report.failing, report.summary()
    assert "will not" in report.summary()
    assert all(REFUSALS[case] in p.reason for p in report.failing), report.summary()


@pytest.mark.parametrize("case", ["root-inter-leaf", "issuer-name-case", "three-issuer-name-case"])
def test_item5_check_trust_accepts_what_openssl_accepts(case: str, tmp_path: pathlib.Path) -> None:
    _, report, openssl_ok = _served(tmp_path, CASES[case])
    assert openssl_ok is True
    assert report.ok, report.summary()


def test_item5_the_presented_chain_is_read_leaf_first(tmp_path: pathlib.Path) -> None:
    _, presented = CASES["root-inter-leaf"].make()
    identity = attrs.evolve(presented[0], pem=presented[0].pem + presented[1].pem)
    with tls_server(identity) as tls:
        endpoint = read_endpoint("127.0.0.1", tls.port, timeout=5, now=now())
    assert endpoint.certificate is not None and endpoint.certificate.der == presented[0].der
    assert [c.der for c in endpoint.chain] == [presented[0].der, presented[1].der]
