"""The second sign-in factor: time-based one-time codes (TOTP, RFC 6238) from an app.

Ministry reviewers read evidence that could expose workers, so their accounts
need more than a password.
"""
from __future__ import annotations

import datetime as dt
import time

import pyotp
from flask_babel import lazy_gettext as _l

from app import audit
from app.accounts.models import User
from app.errors import DomainError, ValidationError
from app.extensions import db
from app.timeutil import utcnow

ISSUER = "FairCorridor"
STEP = 30  # seconds per code
MAX_FAILURES = 5
LOCK_MINUTES = 15


class SecondFactorLocked(DomainError):
    """Too many wrong codes: the account's second factor is locked for a while."""


def required_for(user: User, roles: tuple[str, ...]) -> bool:
    return user.role in roles


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads (typed in or scanned)."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def _matching_step(secret: str, code: str, now: float) -> int | None:
    """The time step whose code equals `code`, allowing one step of clock drift."""
    totp = pyotp.TOTP(secret)
    current = int(now // STEP)
    for step in (current, current - 1, current + 1):
        if pyotp.utils.strings_equal(totp.at(step * STEP), code):
            return step
    return None


def ensure_not_locked(user: User) -> None:
    if user.totp_locked_until is not None and user.totp_locked_until > utcnow():
        raise SecondFactorLocked()


def verify(user: User, code: str, *, enrol_secret: str | None = None,
           now: float | None = None) -> None:
    """Check a code (and enrol `enrol_secret` on first use); a used code never works twice.

    Wrong codes count against the account; the fifth in a row locks the second
    factor for LOCK_MINUTES (SecondFactorLocked).
    """
    ensure_not_locked(user)
    code = "".join((code or "").split())
    secret = user.totp_secret or enrol_secret
    step = None
    if secret and code.isdigit() and len(code) == 6:
        step = _matching_step(secret, code, time.time() if now is None else now)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        _count_failure(user)
        raise ValidationError(field="code", reason=str(_l("this code is wrong or already used")))
    if user.totp_secret is None:
        user.totp_secret = secret
        audit.record(user, "user.second_factor_enrolled", user)
    user.totp_last_step, user.totp_failures = step, 0
    db.session.commit()


def _count_failure(user: User) -> None:
    user.totp_failures = (user.totp_failures or 0) + 1
    locked = user.totp_failures >= MAX_FAILURES
    if locked:
        user.totp_locked_until = utcnow() + dt.timedelta(minutes=LOCK_MINUTES)
        user.totp_failures = 0
        audit.record(user, "user.second_factor_locked", user)
    db.session.commit()
    if locked:
        raise SecondFactorLocked()
