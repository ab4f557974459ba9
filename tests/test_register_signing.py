"""Signed register copies and badges: round trip, tampering, keys, expiry, and `flask register`."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import stat

import pytest
from nacl.signing import SigningKey, VerifyKey

from app.register import keys
from app.register.signing import (
    EXPIRED, GENUINE, MALFORMED, TAMPERED, WRONG_KEY, canonical_json, format_time, key_id,
    sign_statement, verify_statement)

NOW = dt.datetime(2026, 11, 25, 12, 0, 0)


def _badge_payload(issued: dt.datetime = NOW, days: int = 30) -> dict:
    return {"type": "badge", "issuer": "FairCorridor", "issued_at": format_time(issued),
            "expires_at": format_time(issued + dt.timedelta(days=days)),
            "organisation": {"id": 7, "name": "Himalayan Manpower Services Pvt. Ltd.",
                             "kind": "agency", "country": "NP"},
            "licence": {"number": "DoFE-1187/068-69", "expires": "2028-07-15",
                        "authority": "Department of Foreign Employment (Nepal)"},
            "tier": "vetted", "check_url": "https://faircorridor.example/register/organisations/7"}


@pytest.fixture(scope="module")
def signing_key() -> SigningKey:
    return SigningKey(hashlib.sha256(b"register test key").digest())


def test_a_signed_badge_verifies_with_its_public_key(signing_key):
    badge = sign_statement(_badge_payload(), signing_key)

    verdict = verify_statement(badge, signing_key.verify_key, NOW + dt.timedelta(days=1))

    assert verdict.reason == GENUINE and verdict.genuine
    assert verdict.payload["organisation"]["name"] == "Himalayan Manpower Services Pvt. Ltd."
    assert verdict.key_id == key_id(signing_key.verify_key)


def test_signed_bytes_are_canonical_json(signing_key):
    badge = sign_statement(_badge_payload(), signing_key)
    envelope = json.loads(badge)
    assert badge == canonical_json(envelope)
    assert b" " not in badge.split(b'"payload"')[0]
    assert list(envelope) == ["format", "key_id", "payload", "signature"]


def test_changing_any_single_byte_of_a_badge_fails_verification(signing_key):
    """A mirror site that alters one byte anywhere (content, key id, signature) is caught."""
    badge = sign_statement(_badge_payload(), signing_key)
    later = NOW + dt.timedelta(days=1)
    for position in range(len(badge)):
        original = badge[position]
        substitutes = {original ^ 0x01, original ^ 0x20, ord("0") if original != ord("0") else 49}
        for value in substitutes - {original}:
            copy = badge[:position] + bytes([value]) + badge[position + 1:]
            verdict = verify_statement(copy, signing_key.verify_key, later)
            assert not verdict.genuine, f"byte {position} {chr(original)!r}->{chr(value)!r}"


def test_a_changed_value_is_reported_as_tampered(signing_key):
    badge = sign_statement(_badge_payload(), signing_key)
    forged = badge.replace(b'"tier":"vetted"', b'"tier":"Vetted"')
    assert forged != badge

    verdict = verify_statement(forged, signing_key.verify_key, NOW)

    assert verdict.reason == TAMPERED
    assert "changed after it was signed" in verdict.detail


def test_a_number_respelled_as_a_float_is_tampered(signing_key):
    badge = sign_statement(_badge_payload(), signing_key)
    respelled = badge.replace(b'"id":7', b'"id":7.0')
    assert respelled != badge
    assert verify_statement(respelled, signing_key.verify_key, NOW).reason == TAMPERED


def test_an_extended_expiry_is_tampering_not_a_valid_badge(signing_key):
    badge = sign_statement(_badge_payload(days=1), signing_key)
    stretched = badge.replace(b'"expires_at":"2026-11-26', b'"expires_at":"2027-11-26')
    assert verify_statement(stretched, signing_key.verify_key,
                            NOW + dt.timedelta(days=10)).reason == TAMPERED


def test_an_expired_badge_is_reported_with_its_expiry(signing_key):
    badge = sign_statement(_badge_payload(days=30), signing_key)

    verdict = verify_statement(badge, signing_key.verify_key, NOW + dt.timedelta(days=31))

    assert verdict.reason == EXPIRED
    assert "2026-12-25T12:00:00Z" in verdict.detail


def test_a_badge_from_another_key_is_reported_as_wrong_key(signing_key):
    impostor = SigningKey.generate()
    badge = sign_statement(_badge_payload(), impostor)

    verdict = verify_statement(badge, signing_key.verify_key, NOW)

    assert verdict.reason == WRONG_KEY
    assert key_id(impostor.verify_key) in verdict.detail
    assert key_id(signing_key.verify_key) in verdict.detail


def test_a_genuine_badge_checked_against_the_wrong_public_key_is_wrong_key(signing_key):
    badge = sign_statement(_badge_payload(), signing_key)
    other = SigningKey.generate().verify_key
    assert verify_statement(badge, other, NOW).reason == WRONG_KEY


def test_a_forged_signature_under_the_real_key_id_is_tampered(signing_key):
    impostor = SigningKey.generate()
    envelope = json.loads(sign_statement(_badge_payload(), impostor))
    envelope["key_id"] = key_id(signing_key.verify_key)  # claims to be ours
    assert verify_statement(canonical_json(envelope), signing_key.verify_key,
                            NOW).reason == TAMPERED


@pytest.mark.parametrize(("mangle", "why"), [
    (lambda b: b[:-1], "not JSON"),
    (lambda b: b"\xff" + b, "not UTF-8"),
    (lambda b: b"[]", "exactly the members"),
    (lambda b: b.replace(b'"format":"faircorridor-signed/1"', b'"format":"other/1"'),
     "format"),
    (lambda b: b[:-1] + b',"extra":1}', "exactly the members"),
    (lambda b: b.replace(b'"tier":"vetted"', b'"tier":"vetted","tier":"vetted"'), "twice"),
    (lambda b: _upper_signature(b), "lowercase hex"),
    (lambda b: b.replace(b'"issuer":"FairCorridor"', b'"issuer":NaN'), "not a JSON number"),
    (lambda b: b"[" * 100_000, "nested"),
])
def test_malformed_copies_are_reported_as_malformed(signing_key, mangle, why):
    verdict = verify_statement(mangle(sign_statement(_badge_payload(), signing_key)),
                               signing_key.verify_key, NOW)
    assert verdict.reason == MALFORMED
    assert why in verdict.detail


def _upper_signature(badge: bytes) -> bytes:
    envelope = json.loads(badge)
    envelope["signature"] = envelope["signature"].upper()
    return canonical_json(envelope)


def test_statements_refuse_floats_and_need_a_validity_period(signing_key):
    with pytest.raises(TypeError):
        sign_statement({**_badge_payload(), "score": 0.5}, signing_key)
    with pytest.raises(ValueError):
        sign_statement({"type": "badge", "issued_at": format_time(NOW)}, signing_key)


def test_a_badge_dated_in_the_future_is_not_accepted(signing_key):
    badge = sign_statement(_badge_payload(issued=NOW + dt.timedelta(days=2)), signing_key)
    assert verify_statement(badge, signing_key.verify_key, NOW).reason == MALFORMED


def documented_verification(copy: bytes, public_key_hex: str) -> dict:
    """The procedure DEVELOPERS.md gives, line for line: PyNaCl and the standard library only."""
    import json
    from datetime import datetime, timezone

    from nacl.signing import VerifyKey

    doc = json.loads(copy)
    signature = bytes.fromhex(doc.pop("signature"))
    signed = json.dumps(doc, sort_keys=True, separators=(",", ":"),
                        ensure_ascii=False).encode("utf-8")
    VerifyKey(bytes.fromhex(public_key_hex)).verify(signed, signature)  # raises if not genuine
    expires = datetime.strptime(doc["payload"]["expires_at"], "%Y-%m-%dT%H:%M:%SZ")
    assert expires.replace(tzinfo=timezone.utc) > datetime.now(timezone.utc), "expired"
    return doc["payload"]


def test_the_documented_procedure_verifies_a_copy_and_rejects_a_changed_one(signing_key):
    from nacl.exceptions import BadSignatureError
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    badge = sign_statement(_badge_payload(issued=now), signing_key)
    public_hex = bytes(signing_key.verify_key).hex()

    assert documented_verification(badge, public_hex)["tier"] == "vetted"
    with pytest.raises(BadSignatureError):
        documented_verification(badge.replace(b"Himalayan", b"Himalayam"), public_hex)


# ----------------------------------------------------------------- the CLI --

@pytest.fixture
def key_dir(app, tmp_path):
    """A register key of its own for one test, under a temporary folder."""
    previous = app.config.get("REGISTER_KEY_DIR")
    app.config["REGISTER_KEY_DIR"] = str(tmp_path / "register-key")
    yield tmp_path / "register-key"
    app.config["REGISTER_KEY_DIR"] = previous


def test_init_key_writes_a_private_key_only_its_owner_reads(runner, key_dir):
    result = runner.invoke(args=["register", "init-key"])

    assert result.exit_code == 0, result.output
    private = key_dir / keys.PRIVATE
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_dir.stat().st_mode) == 0o700
    public = VerifyKey(bytes.fromhex((key_dir / keys.PUBLIC).read_text().strip()))
    assert key_id(public) in result.output
    again = runner.invoke(args=["register", "init-key"])
    assert again.exit_code != 0 and "already exists" in again.output
    assert VerifyKey(bytes.fromhex((key_dir / keys.PUBLIC).read_text().strip())) == public


def _signed_file(tmp_path, name: str, key: SigningKey, **kwargs) -> str:
    path = tmp_path / name
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    path.write_bytes(sign_statement(_badge_payload(issued=kwargs.get("issued", now),
                                                   days=kwargs.get("days", 30)), key))
    return str(path)


def test_cli_verify_reports_genuine_and_each_reason(runner, key_dir, tmp_path):
    assert runner.invoke(args=["register", "init-key"]).exit_code == 0
    ours = keys.signing_key()
    genuine = _signed_file(tmp_path, "badge.json", ours)

    result = runner.invoke(args=["register", "verify", genuine])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("GENUINE")
    assert "Himalayan Manpower Services Pvt. Ltd." in result.output

    tampered = tmp_path / "tampered.json"
    tampered.write_bytes((tmp_path / "badge.json").read_bytes().replace(b"DoFE-1187",
                                                                          b"DoFE-1188"))
    old = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=40)
    cases = {
        "tampered": str(tampered),
        "expired": _signed_file(tmp_path, "old.json", ours, issued=old),
        "wrong_key": _signed_file(tmp_path, "other.json", SigningKey.generate()),
        "malformed": str(tmp_path / "junk.json"),
    }
    (tmp_path / "junk.json").write_text("this is not a badge")
    for reason, path in cases.items():
        result = runner.invoke(args=["register", "verify", path])
        assert result.exit_code == 1, (reason, result.output)
        assert result.output.startswith(f"NOT GENUINE ({reason})"), result.output


def test_cli_verify_with_an_explicit_public_key(runner, key_dir, tmp_path):
    other = SigningKey.generate()
    badge = _signed_file(tmp_path, "badge.json", other)
    key_file = tmp_path / "other.pub"
    key_file.write_text(bytes(other.verify_key).hex() + "\n")

    assert runner.invoke(args=["register", "verify", badge, "--key",
                               str(key_file)]).exit_code == 0
    key_file.write_text("not a key")
    result = runner.invoke(args=["register", "verify", badge, "--key", str(key_file)])
    assert result.exit_code != 0 and "does not hold a public key" in result.output


def test_cli_verify_without_any_key_says_so(runner, key_dir, tmp_path):
    badge = _signed_file(tmp_path, "badge.json", SigningKey.generate())
    result = runner.invoke(args=["register", "verify", badge])
    assert result.exit_code != 0 and "--key" in result.output
    missing = runner.invoke(args=["register", "verify", str(tmp_path / "nope.json")])
    assert missing.exit_code != 0 and "cannot read" in missing.output
