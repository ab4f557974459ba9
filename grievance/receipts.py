"""Receipts: the only key an anonymous reporter holds (pure; no Flask, no database).

A receipt is 25 characters of RFC 4648 base32 written in five groups of five,
e.g. ``K7QXM-3HZTA-PLW4C-N2RDE-6YUBF``. The first group is a non-secret *lookup id*
that finds the case without hashing against every row; the other twenty characters
(100 bits from the operating system's CSPRNG) are the secret, stored only as an
Argon2id hash. Base32 has no 0, 1, 8 or 9, so a reporter who copies by hand and
writes O as 0 or I as 1 is still understood; case, spaces and dashes do not matter.
"""
from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
GROUP, GROUPS = 5, 5
ID_CHARS = GROUP
SECRET_CHARS = GROUP * (GROUPS - 1)
SECRET_BITS = SECRET_CHARS * 5  # 100 bits: well above the 80 the policy asks for
# Look-alikes a person may write when copying a receipt by hand.
LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B", "9": "G"})


@dataclass(frozen=True)
class Receipt:
    lookup_id: str
    secret: str

    @property
    def text(self) -> str:
        """The receipt as shown to the reporter: five dash-separated groups."""
        whole = self.lookup_id + self.secret
        return "-".join(whole[i:i + GROUP] for i in range(0, len(whole), GROUP))


def new_receipt() -> Receipt:
    raw = base64.b32encode(secrets.token_bytes(20)).decode("ascii")  # 32 chars, 160 bits
    return Receipt(raw[:ID_CHARS], raw[ID_CHARS:ID_CHARS + SECRET_CHARS])


def parse_receipt(text: str | None) -> Receipt | None:
    """The receipt a person typed, forgiving case, spacing, dashes and look-alikes; else None."""
    cleaned = "".join(ch for ch in (text or "").upper() if ch not in " -_.\t\r\n")
    cleaned = cleaned.translate(LOOKALIKES)
    if len(cleaned) != ID_CHARS + SECRET_CHARS or any(ch not in ALPHABET for ch in cleaned):
        return None
    return Receipt(cleaned[:ID_CHARS], cleaned[ID_CHARS:])
