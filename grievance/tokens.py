"""One-time form tokens (pure): a double submit of one form creates one report.

A token is a random nonce, the day it was issued and an HMAC over both, so issuing
one writes nothing to the database; the service stores a token's hash only once it
is used, and a second use is recognised as the same submission.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets

MAX_AGE_DAYS = 1  # a form filled slowly over midnight still goes through


def _mac(key: bytes, nonce: bytes, day: int) -> bytes:
    return hmac.new(key, b"grievance-form|" + nonce + day.to_bytes(4, "big"),
                    hashlib.sha256).digest()[:16]


def issue(key: bytes, today: dt.date) -> str:
    nonce, day = secrets.token_bytes(16), today.toordinal()
    raw = nonce + day.to_bytes(4, "big") + _mac(key, nonce, day)
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def verify(key: bytes, token: str | None, today: dt.date) -> bytes | None:
    """The token's raw bytes if it is genuine and fresh, else None."""
    try:
        raw = base64.urlsafe_b64decode((token or "") + "=" * (-len(token or "") % 4))
    except (ValueError, TypeError):
        return None
    if len(raw) != 36:
        return None
    nonce, day, mac = raw[:16], int.from_bytes(raw[16:20], "big"), raw[20:]
    if not hmac.compare_digest(mac, _mac(key, nonce, day)):
        return None
    if not 0 <= today.toordinal() - day <= MAX_AGE_DAYS:
        return None
    return raw


def token_hash(raw: bytes) -> str:
    """What the database keeps of a used token: not enough to rebuild it."""
    return hashlib.sha256(b"used|" + raw).hexdigest()


def token_key(raw: bytes) -> bytes:
    """A key only the holder of the token (the page in the reporter's browser) can derive."""
    return hashlib.blake2b(raw, digest_size=32, person=b"fc-form-receipt").digest()
