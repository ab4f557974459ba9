"""Signed statements: canonical JSON signed with Ed25519 (pure: no Flask, no database).

A statement is one JSON object with exactly four members:

    {"format": "faircorridor-signed/1", "key_id": "<16 hex>", "payload": {...},
     "signature": "<128 lowercase hex>"}

The signature is Ed25519 over the canonical bytes of the same object without its
`signature` member: UTF-8, members sorted by name, no insignificant whitespace,
non-ASCII characters as they are. Payloads hold only strings, integers, booleans,
null, arrays and objects, so this is also RFC 8785 (JCS) output. Every payload has
`type`, `issued_at` and `expires_at` (UTC, "YYYY-MM-DDTHH:MM:SSZ"). The key id is the
first 16 hex digits of SHA-256 of the 32-byte public key.

Served copies are themselves canonical, so every byte of a copy is significant: a
changed byte either breaks the JSON, changes a signed value, or changes the signature,
and each of those fails verification.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

FORMAT = "faircorridor-signed/1"
MEMBERS = {"format", "key_id", "payload", "signature"}
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
SIGNATURE_RE = re.compile(r"[0-9a-f]{128}")  # lowercase only: "A" and "a" must not both pass
KEY_ID_RE = re.compile(r"[0-9a-f]{16}")
# A copy stamped a little in the future (a verifier's clock running slow) is accepted.
CLOCK_SKEW = dt.timedelta(minutes=5)

GENUINE, MALFORMED, WRONG_KEY, TAMPERED, EXPIRED = (
    "genuine", "malformed", "wrong_key", "tampered", "expired")


class MalformedStatement(ValueError):
    """The bytes are not a statement in FORMAT (not JSON, missing or extra members...)."""


@dataclass(frozen=True)
class Verdict:
    """What a verifier learns: one reason code, one English sentence, and the payload."""

    reason: str
    detail: str
    payload: dict[str, Any] = field(default_factory=dict)
    key_id: str = ""

    @property
    def genuine(self) -> bool:
        return self.reason == GENUINE


def key_id(verify_key: VerifyKey) -> str:
    return hashlib.sha256(bytes(verify_key)).hexdigest()[:16]


def canonical_json(value: Any) -> bytes:
    """The one byte sequence a value is signed as (see the module docstring)."""
    _check_types(value)
    return _dumps(value)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def _check_types(value: Any) -> None:
    # Floats have no single spelling across languages; statements never carry them.
    if isinstance(value, float):
        raise TypeError("signed statements hold no floating-point numbers")
    if isinstance(value, dict):
        for name, item in value.items():
            if not isinstance(name, str):
                raise TypeError("object member names must be strings")
            _check_types(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _check_types(item)


def format_time(moment: dt.datetime) -> str:
    """A naive UTC datetime as the statements write it (whole seconds)."""
    return moment.replace(microsecond=0).strftime(TIME_FORMAT)


def parse_time(text: Any) -> dt.datetime:
    if not isinstance(text, str):
        raise MalformedStatement("a time is not text")
    try:
        return dt.datetime.strptime(text, TIME_FORMAT)
    except ValueError:
        raise MalformedStatement(f"{text[:40]!r} is not a time written YYYY-MM-DDTHH:MM:SSZ")


def sign_statement(payload: Mapping[str, Any], signing_key: SigningKey) -> bytes:
    """The canonical bytes of a signed statement for `payload`."""
    for name in ("type", "issued_at", "expires_at"):
        if name not in payload:
            raise ValueError(f"a payload needs {name!r}")
    envelope = {"format": FORMAT, "key_id": key_id(signing_key.verify_key),
                "payload": dict(payload)}
    signature = signing_key.sign(canonical_json(envelope)).signature
    return _dumps({**envelope, "signature": signature.hex()})


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    names = [name for name, _ in pairs]
    if len(names) != len(set(names)):
        raise MalformedStatement("a JSON object names a member twice")
    return dict(pairs)


def _reject_constant(name: str) -> Any:
    raise MalformedStatement(f"{name} is not a JSON number")


def parse_statement(data: bytes | str) -> dict[str, Any]:
    """The statement's members, checked for shape only (not for the signature)."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedStatement("the file is not UTF-8 text")
    try:
        envelope = json.loads(data, object_pairs_hook=_reject_duplicates,
                              parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise MalformedStatement(f"the file is not JSON ({error.msg}, character {error.pos})")
    except RecursionError:
        raise MalformedStatement("the JSON is nested too deeply")
    if not isinstance(envelope, dict) or set(envelope) != MEMBERS:
        raise MalformedStatement("a statement has exactly the members "
                                 + ", ".join(sorted(MEMBERS)))
    if envelope["format"] != FORMAT:
        raise MalformedStatement(f"the format is not {FORMAT}")
    if not isinstance(envelope["key_id"], str) or not KEY_ID_RE.fullmatch(envelope["key_id"]):
        raise MalformedStatement("the key id is not 16 lowercase hex digits")
    if not isinstance(envelope["signature"], str) or \
            not SIGNATURE_RE.fullmatch(envelope["signature"]):
        raise MalformedStatement("the signature is not 128 lowercase hex digits")
    if not isinstance(envelope["payload"], dict):
        raise MalformedStatement("the payload is not a JSON object")
    return envelope


def verify_statement(data: bytes | str, verify_key: VerifyKey, now: dt.datetime) -> Verdict:
    """Check shape, key, signature and validity period, in that order; `now` is naive UTC."""
    try:
        envelope = parse_statement(data)
    except MalformedStatement as error:
        return Verdict(MALFORMED, f"Malformed: {error}.")
    expected = key_id(verify_key)
    if envelope["key_id"] != expected:
        return Verdict(WRONG_KEY, f"Signed with key {envelope['key_id']}, not with the "
                       f"trusted key {expected}.", key_id=envelope["key_id"])
    signature = bytes.fromhex(envelope.pop("signature"))
    try:
        # No type check here: a float cannot re-serialise to bytes that were signed,
        # since signed statements never hold one, so it fails as tampering.
        verify_key.verify(_dumps(envelope), signature)
    except BadSignatureError:
        return Verdict(TAMPERED, "The signature does not match the content: the copy was "
                       "changed after it was signed.", key_id=expected)
    payload = envelope["payload"]
    try:
        issued, expires = parse_time(payload.get("issued_at")), parse_time(
            payload.get("expires_at"))
    except MalformedStatement as error:
        return Verdict(MALFORMED, f"Malformed: {error}.", payload, expected)
    if issued > now + CLOCK_SKEW:
        return Verdict(MALFORMED, f"Malformed: issued in the future ({payload['issued_at']}).",
                       payload, expected)
    if expires <= now:
        return Verdict(EXPIRED, f"Expired on {payload['expires_at']}: ask for a current copy.",
                       payload, expected)
    return Verdict(GENUINE, f"Genuine {payload.get('type', 'statement')}, issued "
                   f"{payload['issued_at']}, valid until {payload['expires_at']}.",
                   payload, expected)
