"""The signed register copy and "vetted by FairCorridor" badges, and checking either.

A register copy is valid for REGISTER_COPY_DAYS and a badge for REGISTER_BADGE_DAYS
(30 by default, never past the licence's expiry). Badges go only to vetted
organisations; once an organisation is flagged or suspended it gets no new badge, and
the ones it holds stop verifying within the badge lifetime.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import current_app

from app.errors import NotFound
from app.extensions import db
from app.organisations.models import Organisation
from app.register import keys, services
from app.register.signing import Verdict, format_time, sign_statement, verify_statement
from app.timeutil import utcnow

ISSUER = "FairCorridor"
BADGE_TIER = "vetted"


def _entry_json(entry: services.RegisterEntry) -> dict[str, Any]:
    organisation, summary = entry.organisation, entry.summary
    expiry = organisation.licence_expiry
    return {
        "id": organisation.id, "name": organisation.name, "kind": organisation.kind,
        "country": organisation.country,
        "corridors": [corridor.code for corridor in organisation.corridors],
        "licence": {"number": organisation.licence_number,
                    "authority": organisation.licence_authority,
                    "expires": expiry.isoformat() if expiry else None,
                    "register_status": summary["licence_status"]},
        "tier": organisation.tier,
        # In English whoever asks: the signed copy must not depend on the request's language.
        "reasons": [reason.english for reason in summary["reasons"]],
        "last_checked": format_time(entry.last_checked) if entry.last_checked else None,
    }


def register_payload(now: dt.datetime) -> dict[str, Any]:
    """Every organisation in the register, as of `now` (naive UTC)."""
    days = current_app.config["REGISTER_COPY_DAYS"]
    return {"type": "register", "issuer": ISSUER, "issued_at": format_time(now),
            "expires_at": format_time(now + dt.timedelta(days=days)),
            "organisations": [_entry_json(entry) for entry in services.all_entries()]}


def signed_register() -> bytes:
    """A signed copy of the whole register (KeyMissing before `flask register init-key`)."""
    return sign_statement(register_payload(utcnow()), keys.signing_key())


def badge_organisation(organisation_id: int) -> Organisation:
    """The organisation, if it may have a badge today: vetted, and its licence not expired."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or organisation.tier != BADGE_TIER or \
            organisation.licence_status == "expired":
        raise NotFound()
    return organisation


def badge_payload(organisation: Organisation, now: dt.datetime, check_url: str) -> dict:
    expires = now + dt.timedelta(days=current_app.config["REGISTER_BADGE_DAYS"])
    if organisation.licence_expiry is not None:
        # A badge never outlives the licence it vouches for.
        end_of_licence = dt.datetime.combine(organisation.licence_expiry + dt.timedelta(days=1),
                                             dt.time())
        expires = min(expires, end_of_licence)
    expiry = organisation.licence_expiry
    return {
        "type": "badge", "issuer": ISSUER, "issued_at": format_time(now),
        "expires_at": format_time(expires),
        "organisation": {"id": organisation.id, "name": organisation.name,
                         "kind": organisation.kind, "country": organisation.country},
        "licence": {"number": organisation.licence_number,
                    "authority": organisation.licence_authority,
                    "expires": expiry.isoformat() if expiry else None},
        "tier": organisation.tier, "check_url": check_url,
    }


def signed_badge(organisation_id: int, check_url: str) -> tuple[Organisation, bytes]:
    """A fresh badge for a vetted organisation; NotFound for any other."""
    organisation = badge_organisation(organisation_id)
    return organisation, sign_statement(badge_payload(organisation, utcnow(), check_url),
                                        keys.signing_key())


@dataclass
class Check:
    """A verdict, and for a genuine badge the organisation's tier in the register today."""

    verdict: Verdict
    current_tier: str | None = None


def check_statement(data: bytes | str) -> Check:
    """Verify a pasted or uploaded copy against this register's public key."""
    verdict = verify_statement(data, keys.verify_key(), utcnow())
    current = None
    if verdict.genuine and verdict.payload.get("type") == "badge":
        organisation_id = (verdict.payload.get("organisation") or {}).get("id")
        organisation = (db.session.get(Organisation, organisation_id)
                        if isinstance(organisation_id, int) else None)
        current = organisation.tier if organisation else "removed"
    return Check(verdict, current)
