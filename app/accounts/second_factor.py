"""The second sign-in factor: time-based one-time codes (TOTP, RFC 6238) from an app.

Ministry reviewers read evidence that could expose workers, so their accounts
need more than a password.
"""
from __future__ import annotations

import time

import pyotp
from flask_babel import lazy_gettext as _l

from app import audit
from app.accounts.models import User
from app.errors import ValidationError
from app.extensions import db

ISSUER = "FairCorridor"
STEP = 30  # seconds per code


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


def verify(user: User, code: str, *, enrol_secret: str | None = None,
           now: float | None = None) -> None:
    """Check a code (and enrol `enrol_secret` on first use); a used code never works twice."""
    code = "".join((code or "").split())
    secret = user.totp_secret or enrol_secret
    if not secret or not code.isdigit() or len(code) != 6:
        raise ValidationError(field="code", reason=str(_l("enter the 6-digit code from your app")))
    step = _matching_step(secret, code, time.time() if now is None else now)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        raise ValidationError(field="code", reason=str(_l("this code is wrong or already used")))
    if user.totp_secret is None:
        user.totp_secret = secret
        audit.record(user, "user.second_factor_enrolled", user)
    user.totp_last_step = step
    db.session.commit()
