"""Proof-of-work challenges (pure; no Flask, no database), hashcash style.

A challenge is a random nonce, the second it was issued, the difficulty in bits and an
HMAC over those and the form it is for, so issuing one stores nothing. The sender finds
a number n such that SHA-256(challenge + n), n written in decimal, starts with `bits`
zero bits: about 2^bits hashes for the sender, one for the server. The browser does it
with app/static/grievance-work.js.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import secrets
from dataclasses import dataclass

MAX_NONCE_CHARS = 20  # a decimal number; a longer "answer" is not one


@dataclass(frozen=True)
class Challenge:
    text: str
    issued_at: int  # seconds since the epoch; only the sender's page holds it
    bits: int


def _mac(key: bytes, purpose: str, body: bytes) -> bytes:
    return hmac.new(key, b"grievance-work|" + purpose.encode("ascii") + b"|" + body,
                    hashlib.sha256).digest()[:16]


def issue(key: bytes, purpose: str, bits: int, now: float) -> Challenge:
    """A new challenge for the form `purpose`."""
    issued = int(now)
    body = secrets.token_bytes(12) + issued.to_bytes(8, "big") + bytes([bits])
    text = base64.urlsafe_b64encode(body + _mac(key, purpose, body)).decode("ascii")
    return Challenge(text, issued, bits)


def read(key: bytes, purpose: str, text: str | None) -> Challenge | None:
    """The challenge if it is genuine and was issued for `purpose`, else None."""
    try:
        raw = base64.urlsafe_b64decode((text or "").encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return None
    if len(raw) != 37:
        return None
    body, mac = raw[:21], raw[21:]
    if not hmac.compare_digest(mac, _mac(key, purpose, body)):
        return None
    return Challenge(text or "", int.from_bytes(body[12:20], "big"), body[20])


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte:
            return bits + 8 - byte.bit_length()
        bits += 8
    return bits


def solves(challenge: Challenge, nonce: str) -> bool:
    """Whether `nonce` is a decimal number that does the challenge's work."""
    if not nonce or len(nonce) > MAX_NONCE_CHARS or not nonce.isascii() or not nonce.isdigit():
        return False
    digest = hashlib.sha256((challenge.text + nonce).encode("ascii")).digest()
    return leading_zero_bits(digest) >= challenge.bits


def solve(challenge: Challenge) -> str:
    """The smallest answer (what the browser's script finds), for tools and tests."""
    for n in itertools.count():
        if solves(challenge, str(n)):
            return str(n)
    raise AssertionError("unreachable")


def spent_hash(challenge: Challenge) -> str:
    """What the database keeps of a used challenge: enough to refuse it twice, no more."""
    return hashlib.sha256(b"spent|" + challenge.text.encode("ascii")).hexdigest()
