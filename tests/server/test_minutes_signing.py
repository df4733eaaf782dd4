"""Personal signatures on the approved minutes: the secretary, then the chair, each with the key on their own
PKCS#11 token (SoftHSM2) whose certificate a test CA issued; checked by POST /api/minutes/verify and by
pyHanko's own validator with the test CA as the only trust anchor."""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from pydantic import ValidationError
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from server.settings import Settings
from tests.conftest import SIGNERS
from tests.server.conftest import App, build_app
from tests.support.softhsm import SigningPki

PEOPLE = {user: SIGNERS[user] for user in ("sec", "chair")}
CA_NAME = "CA Thử nghiệm Chính phủ"


@pytest.fixture(scope="module")
def pki(signing_pki: SigningPki) -> SigningPki:
    return signing_pki


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, pki: SigningPki) -> Iterator[App]:
    keys = {user: {"token_label": pki.tokens[user].label, "key_label": pki.tokens[user].key_label} for user in PEOPLE}
    with build_app(
        tmp_path_factory.mktemp("app"),
        personal_signatures=True,
        pkcs11_module=pki.module,
        pkcs11_keys=keys,
        signing_trust_anchors=[pki.ca_path],
    ) as world:
        yield world


def _approved(app: App) -> tuple[int, str]:
    meeting_id, _ = app.new_meeting()
    sec, chair = app.users["sec"], app.users["chair"]
    sec.ok("POST", f"/api/meetings/{meeting_id}/start")
    sec.ok("POST", f"/api/meetings/{meeting_id}/close")
    sec.ok("POST", f"/api/meetings/{meeting_id}/minutes/draft", json={})
    approved = chair.ok("POST", f"/api/meetings/{meeting_id}/minutes/approve", json={"base_version": 1})
    assert approved["status"] == "approved" and approved["signatures"] == [] and not approved["signed"]
    assert approved["next_signer"] == "secretary"
    return meeting_id, f"/api/meetings/{meeting_id}/minutes"


def _pdf(app: App, meeting_id: int) -> bytes:
    response = app.users["chair"].request("GET", f"/api/meetings/{meeting_id}/minutes.pdf")
    assert response.status_code == 200
    return bytes(response.content)


def _verify(app: App, pdf: bytes) -> dict[str, Any]:
    check: dict[str, Any] = app.users["del1"].ok(
        "POST", "/api/minutes/verify", files={"file": ("bien-ban.pdf", pdf, "application/pdf")}
    )
    return check


def _sign(app: App, base: str, role: str, pin: str | None, language: str = "vi") -> Any:
    return app.users[role].request("POST", f"{base}/sign", json={"pin": pin}, headers={"Accept-Language": language})


def _pyhanko_statuses(pdf: bytes, ca_path: Path) -> list[Any]:
    root = load_cert_from_pemder(str(ca_path))
    return [
        validate_pdf_signature(signature, ValidationContext(trust_roots=[root], allow_fetching=False))
        for signature in PdfFileReader(BytesIO(pdf), strict=False).embedded_signatures
    ]


def _flip(pdf: bytes, at: int) -> bytes:
    changed = bytearray(pdf)
    changed[at] = ord("X") if changed[at] != ord("X") else ord("Y")
    return bytes(changed)


def test_secretary_then_chair_sign_with_their_tokens(app: App, pki: SigningPki) -> None:
    meeting_id, base = _approved(app)
    prepared = _pdf(app, meeting_id)

    # the chair cannot sign before the secretary; nobody else signs at all; nothing changes
    early = _sign(app, base, "chair", pki.tokens["chair"].pin, "en")
    assert early.status_code == 409 and "secretary signs the minutes first" in early.json()["detail"]
    assert "Thư ký ký biên bản trước" in _sign(app, base, "chair", pki.tokens["chair"].pin).json()["detail"]
    for role in ("del1", "guest", "root"):
        assert _sign(app, base, role, "000000").status_code == 403
    # a wrong PIN: a clear error in both languages, nothing signed
    wrong = _sign(app, base, "sec", "not-the-pin", "en")
    assert wrong.status_code == 400 and wrong.json()["detail"] == "Wrong PIN for the signing token"
    assert _sign(app, base, "sec", "not-the-pin").json()["detail"] == "Mã PIN của thiết bị ký số không đúng"
    assert _sign(app, base, "sec", None).status_code == 400  # a token's signer must type the PIN
    assert _pdf(app, meeting_id) == prepared

    secretary = _sign(app, base, "sec", pki.tokens["sec"].pin)
    assert secretary.status_code == 200, secretary.text
    assert secretary.json()["signatures"] == ["secretary"] and secretary.json()["next_signer"] == "chair"
    assert not secretary.json()["signed"]
    after_secretary = _pdf(app, meeting_id)
    assert after_secretary.startswith(prepared)  # an incremental update: the prepared bytes stay as they were
    assert _sign(app, base, "sec", pki.tokens["sec"].pin).status_code == 409  # once

    chair = _sign(app, base, "chair", pki.tokens["chair"].pin)
    assert chair.status_code == 200, chair.text
    assert chair.json()["signatures"] == ["secretary", "chair"] and chair.json()["signed"]
    assert chair.json()["next_signer"] is None
    signed = _pdf(app, meeting_id)
    assert signed.startswith(after_secretary)
    assert _sign(app, base, "chair", pki.tokens["chair"].pin).status_code == 409

    # the server's check: both valid, each signer named, chained to the test CA, in order
    check = _verify(app, signed)
    assert check["valid"] and check["intact"]
    first, second = check["signatures"]
    assert (first["field"], first["signer"]) == ("secretary", PEOPLE["sec"])
    assert (second["field"], second["signer"]) == ("chair", PEOPLE["chair"])
    for report in (first, second):
        assert report["valid"] and report["trusted"] and report["intact"] and report["changes_allowed"]
        assert report["chain"] == [report["signer"], CA_NAME]
        assert report["signed_at"]
    assert first["modified_after"] and not second["modified_after"]  # the chair's signature came after
    assert first["signed_at"] <= second["signed_at"]

    # pyHanko's own validator, trusting only the test CA
    statuses = _pyhanko_statuses(signed, pki.ca_path)
    assert len(statuses) == 2 and all(status.bottom_line for status in statuses)
    for status, user in zip(statuses, ("sec", "chair"), strict=True):
        assert status.signing_cert.dump() == pki.tokens[user].certificate.public_bytes(Encoding.DER)
        root, *_ = status.validation_path.iter_certs(include_root=True)
        assert root.dump() == pki.ca_certificate.public_bytes(Encoding.DER)

    # the audit names each signing, the certificate used and each refusal; the PIN is nowhere
    audit = app.users["root"].ok("GET", "/api/audit", params={"meeting_id": meeting_id})
    signings = [row for row in audit if row["action"] == "minutes.signed"]
    assert len(signings) == 2 and PEOPLE["sec"] in str(signings) and PEOPLE["chair"] in str(signings)
    refusals = [row for row in audit if row["action"] == "minutes.sign_refused"]
    assert {"wrong_pin", "out_of_turn", "not_a_signer"} <= {row["detail"]["reason"] for row in refusals}, refusals
    assert "not-the-pin" not in str(audit) and pki.tokens["sec"].pin not in str(audit)


def test_a_byte_changed_after_either_signature_is_caught(app: App, pki: SigningPki) -> None:
    meeting_id, base = _approved(app)
    assert _sign(app, base, "sec", pki.tokens["sec"].pin).status_code == 200
    after_secretary = _pdf(app, meeting_id)
    assert _verify(app, after_secretary)["valid"]
    assert _sign(app, base, "chair", pki.tokens["chair"].pin).status_code == 200
    signed = _pdf(app, meeting_id)

    # in the page content both signatures cover
    in_page = _flip(signed, signed.index(b"stream\n") + 40)
    check = _verify(app, in_page)
    assert not check["valid"] and not check["intact"]
    assert not any(report["intact"] for report in check["signatures"])
    assert not any(status.bottom_line for status in _pyhanko_statuses(in_page, pki.ca_path))

    # in what the chair added after the secretary's signature: the chair's signature no longer holds
    chair_part = len(after_secretary) + signed[len(after_secretary) :].index(b"/Reason")
    in_chair_revision = _flip(signed, chair_part + 3)
    check = _verify(app, in_chair_revision)
    assert not check["valid"]
    assert not check["signatures"][1]["intact"] and not check["signatures"][1]["valid"]
    assert not all(status.bottom_line for status in _pyhanko_statuses(in_chair_revision, pki.ca_path))

    # after the secretary's signature alone
    tampered = _flip(after_secretary, after_secretary.index(b"stream\n") + 40)
    check = _verify(app, tampered)
    assert not check["valid"] and not check["signatures"][0]["intact"]


def test_someone_without_a_token_signs_with_the_organisation_key(tmp_path: Path, pki: SigningPki) -> None:
    """Only the secretary has a token here: the chair's signature is the organisation's, which the
    organisation's certificate (always trusted) validates, while the secretary's chains to the CA."""
    keys = {"sec": {"token_label": pki.tokens["sec"].label, "key_label": pki.tokens["sec"].key_label}}
    with build_app(
        tmp_path, personal_signatures=True, pkcs11_module=pki.module, pkcs11_keys=keys, signing_trust_anchors=[]
    ) as world:
        meeting_id, base = _approved(world)
        assert _sign(world, base, "sec", pki.tokens["sec"].pin).status_code == 200
        assert _sign(world, base, "chair", None).status_code == 200
        check = _verify(world, _pdf(world, meeting_id))
        first, second = check["signatures"]
        # no trust anchor configured: the secretary's token certificate is not trusted, the organisation's is
        assert not first["trusted"] and not check["valid"] and first["intact"]
        assert second["trusted"] and "i-Cabinet" in second["signer"] and second["valid"]


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"pkcs11_module": "/nonexistent/libtoken.so"}, "ICABINET_PKCS11_MODULE"),
        ({"pkcs11_keys": {"sec": {"token_label": "t", "key_label": "k"}}}, "ICABINET_PKCS11_MODULE is not set"),
        ({"signing_trust_anchors": ["/nonexistent/ca.pem"]}, "ICABINET_SIGNING_TRUST_ANCHORS"),
    ],
)
def test_signing_settings_that_cannot_work_stop_the_start(tmp_path: Path, settings: dict[str, Any], named: str) -> None:
    with pytest.raises(ValidationError, match=named):
        Settings(data_dir=tmp_path, **settings)
