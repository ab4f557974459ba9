"""Account services: registration, sign-in, worker profiles, API tokens, user admin."""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l

from app import audit
from app.accounts.models import (ADMIN, ROLES, WORKER, User, WorkerProfile,
                                 check_password_of_no_one)
from app.corridors.models import Corridor
from app.events import sessions_ended
from app.errors import PermissionDenied, ValidationError, get_or_not_found
from app.extensions import db
from app.organisations.models import KINDS
from app.timeutil import territory_zones, utcnow
from app.validation import InputReader
from vetting import services as vetting

MIN_PASSWORD = 10


def load_user(session_id: str | None) -> User | None:
    """Flask-Login's loader: the active user a session names (User.get_id), or None.

    A session from before the account's last sign-out, password or role change names
    an older session version and no longer signs anyone in.
    """
    user_id, _, version = str(session_id or "").partition(":")
    if not (user_id.isdigit() and version.isdigit()) or len(user_id) > 18:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def end_sessions(user: User) -> None:
    """Sign `user` out everywhere: every session cookie issued so far stops working."""
    user.end_sessions()
    db.session.commit()
    sessions_ended.send(user)


def read_email(reader: InputReader, name: str = "email") -> str | None:
    raw = reader.text(name, max_len=254)
    if raw is None:
        return None
    try:
        return validate_email(raw, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        reader.error(name, _l("is not a valid e-mail address"))
        return None


def _read_credentials(reader: InputReader) -> tuple[str | None, str | None, str | None]:
    email = read_email(reader)
    password = reader.text("password", max_len=200, min_len=MIN_PASSWORD)
    name = reader.text("display_name", max_len=120)
    if email and db.session.scalar(sa.select(User.id).where(User.email == email)):
        reader.error("email", _l("is already registered; sign in instead"))
    return email, password, name


def new_user(email: str, password: str, display_name: str, role: str, **fields: Any) -> User:
    user = User(email=email, display_name=display_name, role=role, **fields)
    user.set_password(password)
    db.session.add(user)
    return user


def register_worker(data: Mapping[str, Any], *, locale: str = "en") -> User:
    """Create a worker account with an empty profile, in the language they registered in."""
    reader = InputReader(data)
    email, password, name = _read_credentials(reader)
    reader.finish()
    user = new_user(email, password, name, WORKER, locale=locale)
    user.profile = WorkerProfile()
    audit.record(user, "user.registered", user, role=WORKER)
    db.session.commit()
    return user


def register_organisation(data: Mapping[str, Any], *, locale: str = "en") -> User:
    """Create an organisation (employer or agency) and its first member's account."""
    from app.organisations.services import read_organisation, new_organisation

    reader = InputReader(data)
    email, password, name = _read_credentials(reader)
    org_fields = read_organisation(reader)
    reader.finish()
    organisation = new_organisation(org_fields)
    user = new_user(email, password, name, organisation.kind, organisation=organisation,
                    locale=locale)
    audit.record(user, "organisation.registered", organisation, kind=organisation.kind)
    vetting.refresh_organisation_risk(organisation)
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User:
    """The active user with these credentials, or a ValidationError on `email`."""
    user = db.session.scalar(sa.select(User).where(User.email == (email or "").strip().lower()))
    # A password is checked (or a stand-in hash, for no account) before anything else is
    # looked at, so that every refusal takes the same time.
    checked = (check_password_of_no_one(password or "") if user is None
               else user.check_password(password or ""))
    if not checked or not user.active:
        raise ValidationError(field="email", reason=str(_l("e-mail or password is wrong")))
    return user


def update_profile(actor: User, data: Mapping[str, Any]) -> WorkerProfile:
    """A worker edits their own profile; consent to be discoverable is time-stamped."""
    if actor.role != WORKER:
        raise PermissionDenied()
    reader = InputReader(data)
    headline = reader.text("headline", required=False, max_len=200) or ""
    skills = reader.string_list("skills", max_items=40, item_max_len=80)
    years = reader.integer("experience_years", required=False, minimum=0, maximum=60) or 0
    experience = reader.text("experience", required=False, max_len=5000) or ""
    languages = reader.languages("languages")
    available = reader.date("available_from", required=False)
    discoverable = reader.boolean("discoverable")
    codes = reader.string_list("corridors", max_items=10, item_max_len=5)
    timezone = reader.timezone("timezone", required=False) or actor.timezone
    locale = reader.choice("locale", current_app.config["LANGUAGES"], required=False)
    corridors = list(db.session.scalars(sa.select(Corridor).where(Corridor.code.in_(codes))))
    if len(corridors) != len(codes):
        reader.error("corridors", _l("names a corridor that does not exist"))
    reader.finish()

    profile = actor.profile or WorkerProfile(user=actor)
    if discoverable and not profile.discoverable:
        profile.consent_at = utcnow()
    profile.headline, profile.skills, profile.experience_years = headline, skills, years
    profile.experience, profile.languages, profile.available_from = experience, languages, available
    profile.discoverable, profile.corridors = discoverable, corridors
    actor.timezone = timezone
    actor.locale = locale or actor.locale
    db.session.add(profile)
    db.session.commit()
    return profile


def set_locale(actor: User, code: str) -> None:
    """The account's language, picked with the language switch or in the profile."""
    if code not in current_app.config["LANGUAGES"]:
        raise ValidationError(field="locale", reason=str(_l("is not a language we have")))
    actor.locale = code
    db.session.commit()


def issue_api_token(actor: User) -> str:
    """A new API token for an organisation member (shown once; only its hash is kept)."""
    if not actor.is_org_member:
        raise PermissionDenied()
    token = "fc_" + secrets.token_urlsafe(32)
    actor.set_api_token(token)
    audit.record(actor, "user.api_token_issued", actor)
    db.session.commit()
    return token


def user_for_token(token: str) -> User | None:
    digest = hashlib.sha256(token.encode()).hexdigest()
    user = db.session.scalar(sa.select(User).where(User.api_token_hash == digest))
    return user if user is not None and user.active else None


def _require_admin(actor: User) -> None:
    if actor.role != ADMIN:
        raise PermissionDenied()


def list_users(actor: User, *, role: str | None = None, query: str = "") -> list[User]:
    _require_admin(actor)
    stmt = sa.select(User).order_by(User.role, User.email)
    if role in ROLES:
        stmt = stmt.where(User.role == role)
    if query:
        like = f"%{query.strip().lower()}%"
        stmt = stmt.where(sa.or_(sa.func.lower(User.email).like(like),
                                 sa.func.lower(User.display_name).like(like)))
    return list(db.session.scalars(stmt.limit(500)))


def get_user(actor: User, user_id: int) -> User:
    _require_admin(actor)
    return get_or_not_found(User, user_id)


def admin_update_user(actor: User, user_id: int, data: Mapping[str, Any]) -> User:
    """An admin changes a user's role or suspends the account, giving a reason."""
    user = get_user(actor, user_id)
    reader = InputReader(data)
    role = reader.choice("role", ROLES)
    active = reader.boolean("active")
    reason = reader.text("reason", max_len=1000)
    if user.id == actor.id and (role != ADMIN or not active):
        reader.error("role", _l("you cannot remove your own admin access"))
    if role in KINDS and user.organisation_id is None:
        reader.error("role", _l("an employer or agency role needs an organisation"))
    reader.finish()
    before = {"role": user.role, "active": user.active}
    changed = before != {"role": role, "active": active}
    user.role, user.active = role, active
    if changed:  # access granted under the old role must not outlive it
        user.end_sessions()
    audit.record(actor, "user.updated", user, reason=reason, before=before,
                 after={"role": role, "active": active})
    db.session.commit()
    if changed:
        sessions_ended.send(user)
    return user



def profile_as_input(actor: User) -> dict:
    """The worker's profile in the shape update_profile accepts (to prefill the form)."""
    profile = actor.profile or WorkerProfile()
    return {
        "headline": profile.headline or "", "skills": ", ".join(profile.skills or []),
        "experience_years": profile.experience_years or 0,
        "experience": profile.experience or "",
        "languages": list(profile.languages or []),
        "available_from": profile.available_from.isoformat() if profile.available_from else "",
        "discoverable": profile.discoverable,
        "corridors": [c.code for c in profile.corridors],
        "timezone": actor.timezone,
        "locale": actor.locale,
    }


def profile_choices(actor: User, corridors: list[Corridor]) -> dict[str, list[str]]:
    """What the profile form offers: languages and time zones of the worker's corridors.

    Lists to pick from, so that nobody has to know an ISO code or a zone name.
    """
    profile = actor.profile or WorkerProfile()
    languages = [*current_app.config["LANGUAGES"],
                 *(code for c in corridors for code in c.languages or []),
                 *(profile.languages or [])]
    countries = [country for c in corridors for country in (c.origin, c.destination)]
    zones = [zone for country in countries for zone in territory_zones(country)]
    return {"spoken_languages": list(dict.fromkeys(languages)),
            "time_zones": list(dict.fromkeys([actor.timezone, *zones, "UTC"]))}
