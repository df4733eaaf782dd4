"""The signers of documents/signers.py on real SoftHSM2 tokens: what each PKCS#11 failure is reported as,
and the organisation key filling the same fields."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.minutes_render import serif_font_paths
from documents.sign import ensure_certificate, verify_pdf
from documents.signers import (
    OrganisationKeySigner,
    Pkcs11Signer,
    SignatureField,
    SignatureText,
    SigningFailed,
    add_signature_fields,
)
from tests.support.pdfs import text_pdf
from tests.support.softhsm import SigningPki

TEXT = SignatureText(reason="Ký thử", location="Hà Nội", name="Nguyễn Thị Thư Ký")


def _prepared(tmp_path: Path) -> bytes:
    source = text_pdf(tmp_path / "bien-ban.pdf", ["Biên bản thử"]).read_bytes()
    return add_signature_fields(source, [SignatureField("secretary", 0, (80, 80, 300, 150))])


def _token_signer(pki: SigningPki, **changed: str) -> Pkcs11Signer:
    token = pki.tokens["sec"]
    fields = {"token_label": token.label, "key_label": token.key_label, "pin": token.pin, **changed}
    return Pkcs11Signer(pki.module, cert_label=None, font=serif_font_paths()[0], **fields)


@pytest.mark.parametrize(
    ("changed", "code"),
    [
        ({"pin": "000000"}, "wrong_pin"),
        ({"token_label": "no-such-token"}, "no_token"),
        ({"key_label": "no-such-key"}, "no_key"),
    ],
)
def test_a_token_failure_is_named(signing_pki: SigningPki, changed: dict[str, str], code: str, tmp_path: Path) -> None:
    with pytest.raises(SigningFailed) as caught:
        _token_signer(signing_pki, **changed).sign(_prepared(tmp_path), "secretary", TEXT)
    assert caught.value.code == code and caught.value.message_vi and caught.value.message_en
    assert signing_pki.tokens["sec"].pin not in f"{caught.value} {caught.value.detail} {caught.value!r}"


def test_a_field_is_signed_once_and_the_pin_stays_out_of_repr(signing_pki: SigningPki, tmp_path: Path) -> None:
    signer = _token_signer(signing_pki)
    assert signing_pki.tokens["sec"].pin not in repr(signer)
    signed = signer.sign(_prepared(tmp_path), "secretary", TEXT)
    assert signed.signer == signing_pki.tokens["sec"].common_name
    with pytest.raises(SigningFailed) as caught:
        signer.sign(signed.pdf, "secretary", TEXT)
    assert caught.value.code == "no_field"


def test_the_organisation_key_fills_a_field_too(tmp_path: Path) -> None:
    identity = ensure_certificate(tmp_path, "Văn phòng UBND")
    signed = OrganisationKeySigner(identity, serif_font_paths()[0]).sign(_prepared(tmp_path), "secretary", TEXT)
    check = verify_pdf(signed.pdf, identity.certificate_pem())
    assert check.valid and [report.field for report in check.signatures] == ["secretary"]
    assert check.signatures[0].chain == ("Văn phòng UBND - i-Cabinet",)
