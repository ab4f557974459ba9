"""Checking an organisation's licence against the licence register (pure: no Flask, no db)."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from vetting.messages import english_licence_note

VALID, EXPIRED, REVOKED, NOT_IN_REGISTER, NONE = (
    "valid", "expired", "revoked", "not_in_register", "none")


@dataclass(frozen=True)
class LicenceEntry:
    licence_number: str
    authority: str
    holder: str
    country: str
    expires: dt.date
    status: str  # as the authority publishes it: active, expired, revoked


@dataclass(frozen=True)
class LicenceCheck:
    """What the register says about a licence number: one word, and one sentence as a
    message id (vetting/messages.py LICENCE_NOTES) with its parameters."""

    status: str
    note_id: str
    params: dict[str, str] = field(default_factory=dict)
    entry: LicenceEntry | None = None

    @property
    def message(self) -> dict[str, str]:
        """The note as stored with a risk: {"note": id, **params} (language-neutral)."""
        return {"note": self.note_id, **self.params}

    @property
    def note(self) -> str:
        """The note in English."""
        return english_licence_note(self.message)


def _key(number: str) -> str:
    """Register look-ups ignore case, spaces and punctuation differences."""
    return re.sub(r"[^0-9a-z]", "", number.lower())


number_key = _key  # public name for callers that match numbers the same way


class LicenceRegister:
    def __init__(self, entries: list[LicenceEntry]) -> None:
        self._by_number = {_key(e.licence_number): e for e in entries}

    @classmethod
    def from_yaml(cls, path: Path) -> LicenceRegister:
        with path.open(encoding="utf-8") as fh:
            rows = yaml.safe_load(fh) or []
        return cls([LicenceEntry(**row) for row in rows])

    def lookup(self, number: str) -> LicenceEntry | None:
        """The register's entry for a licence number, whoever holds it."""
        return self._by_number.get(_key(number))

    def check(self, number: str | None, holder: str, today: dt.date) -> LicenceCheck:
        """The status of `number` for the organisation called `holder`, on `today`."""
        if not number:
            return LicenceCheck(NONE, "none")
        entry = self._by_number.get(_key(number))
        if entry is None:
            return LicenceCheck(NOT_IN_REGISTER, "not_in_register", {"number": number})
        if _key(entry.holder) != _key(holder):
            return LicenceCheck(NOT_IN_REGISTER, "other_holder",
                                {"number": number, "holder": entry.holder}, entry)
        if entry.status == "revoked":
            return LicenceCheck(REVOKED, "revoked",
                                {"number": number, "authority": entry.authority}, entry)
        if entry.status == "expired" or entry.expires < today:
            return LicenceCheck(EXPIRED, "expired",
                                {"number": number, "expires": entry.expires.isoformat()}, entry)
        return LicenceCheck(VALID, "valid", {"number": number, "expires": entry.expires.isoformat(),
                                             "authority": entry.authority}, entry)
