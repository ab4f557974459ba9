"""Setting up an authenticator through a one-time link that an admin issues.

The link is shown once (only its hash is kept) and expires. It shows a secret only
after the account's password is given, and the secret counts only once a first code
from the app confirms it. Wrong passwords or codes spend the link; a new link replaces
any older one.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from app import audit
from app.accounts import second_factor
from app.accounts.models import ADMIN, SecondFactorLink, User
from app.errors import DomainError, PermissionDenied, ValidationError, get_or_not_found
from app.extensions import db
from app.timeutil import utcnow

MAX_FAILURES = 5


class LinkNotUsable(DomainError):
    """The link is unknown, expired, already used, replaced, or spent by wrong attempts."""


def _token_hash(token: str) -> str:
    # The token is random and long, so a fast hash suffices (as for API tokens).
    return hashlib.sha256(token.encode()).hexdigest()


def issue_link(actor: User, user_id: int) -> str:
    """An admin's one-time link for `user_id` to set up an authenticator (shown once)."""
    if actor.role != ADMIN:
        raise PermissionDenied()
    user = get_or_not_found(User, user_id)
    if not second_factor.required_for(user, current_app.config["SECOND_FACTOR_ROLES"]):
        raise ValidationError(field="role", reason=str(_l(
            "this account signs in without a second factor; give it a reviewer or admin "
            "role first")))
    return _new_link(user, actor)


def issue_link_for_operator(email: str) -> str:
    """The same link for the server's operator (`flask accounts second-factor-link`),
    who sets up the first admin before any admin can sign in."""
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise ValidationError(field="email", reason=str(_l("has no account")))
    return _new_link(user, None)


def _new_link(user: User, actor: User | None) -> str:
    token = secrets.token_urlsafe(32)
    hours = current_app.config["SECOND_FACTOR_LINK_HOURS"]
    db.session.execute(sa.update(SecondFactorLink).where(
        SecondFactorLink.user_id == user.id, SecondFactorLink.used_at.is_(None))
        .values(used_at=utcnow()))
    db.session.add(SecondFactorLink(user_id=user.id, token_hash=_token_hash(token),
                                    issued_by_id=getattr(actor, "id", None),
                                    expires_at=utcnow() + dt.timedelta(hours=hours)))
    audit.record(actor, "user.second_factor_link_issued", user, hours=hours)
    db.session.commit()
    return token


def open_link(token: str) -> SecondFactorLink:
    """The link this token opens, if it can still be used."""
    link = db.session.scalar(sa.select(SecondFactorLink).where(
        SecondFactorLink.token_hash == _token_hash(token or "")))
    if link is None or link.used_at is not None or link.expires_at <= utcnow():
        raise LinkNotUsable()
    return link


def check_password(token: str, password: str) -> tuple[User, str]:
    """The holder proves the account is theirs; a new secret is made for them to add."""
    link = open_link(token)
    if not link.user.check_password(password or ""):
        _count_failure(link, "password", _l("is wrong"))
    secret = second_factor.new_secret()
    link.pending_secret_box = second_factor.seal_secret(link.user, secret)
    db.session.commit()
    return link.user, secret


def pending_secret(link: SecondFactorLink) -> str | None:
    """The secret waiting for its first code (after the password step), or None."""
    if link.pending_secret_box is None:
        return None
    return second_factor.unseal_secret(link.user, link.pending_secret_box)


def confirm(token: str, code: str) -> list[str]:
    """A first code from the app sets the authenticator up; returns the recovery codes."""
    link = open_link(token)
    secret = pending_secret(link)
    if secret is None:
        raise ValidationError(field="password", reason=str(_l("give your password first")))
    step = second_factor.matching_step(secret, code)
    if step is None:
        _count_failure(link, "code", _l("this code is wrong; check the app's clock"))
    link.used_at = utcnow()
    audit.record(link.user, "user.second_factor_enrolled", link.user)
    return second_factor.install(link.user, link.pending_secret_box, step)


def _count_failure(link: SecondFactorLink, field: str, reason: str) -> None:
    link.failures += 1
    if link.failures >= MAX_FAILURES:
        link.used_at = utcnow()
        audit.record(None, "user.second_factor_link_spent", link.user)
    db.session.commit()
    if link.used_at is not None:
        raise LinkNotUsable()
    raise ValidationError(field=field, reason=str(reason))
