"""The second sign-in factor: time-based one-time codes (TOTP, RFC 6238) from an app, or a
one-time recovery code when the app is lost.

Admins (who can make anyone a reviewer) and ministry reviewers (who read evidence that
could expose workers) need more than a password. An account gets its authenticator only
through a link an admin issues (app.accounts.enrolment), never by signing in first.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import time

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app import audit
from app.accounts import secret_box
from app.accounts.models import RecoveryCode, User
from app.errors import DomainError, ValidationError
from app.events import sessions_ended
from app.extensions import db
from app.timeutil import utcnow

ISSUER = "FairCorridor"
STEP = 30  # seconds per code
MAX_FAILURES = 5
LOCK_MINUTES = 15
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"  # 16 of these: 80 random bits
_RECOVERY_RE = re.compile(r"[a-z2-7]{16}")


class SecondFactorLocked(DomainError):
    """Too many wrong codes: the account's second factor is locked for a while."""


def required_for(user: User, roles: tuple[str, ...]) -> bool:
    return user.role in roles


def is_enrolled(user: User) -> bool:
    return user.totp_secret_box is not None


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// address an authenticator app reads (typed in or scanned)."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str, title: str) -> Markup:
    """The address as a QR code, drawn here as inline SVG: no script, nothing fetched."""
    return Markup(segno.make(uri, error="m").svg_inline(scale=4, title=title, svgclass="qr",
                                                         omitsize=True))


def seal_secret(user: User, secret: str) -> bytes:
    return secret_box.seal(secret_box.key_from_config(current_app.config), secret, user.id)


def unseal_secret(user: User, box: bytes) -> str:
    return secret_box.unseal(secret_box.key_from_config(current_app.config), box, user.id)


def secret_of(user: User) -> str | None:
    """The account's TOTP secret, unsealed (None when no authenticator is set up)."""
    return None if user.totp_secret_box is None else unseal_secret(user, user.totp_secret_box)


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step whose code equals `code`, allowing one step of clock drift."""
    code = "".join((code or "").split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // STEP)
    for step in (current, current - 1, current + 1):
        if pyotp.utils.strings_equal(totp.at(step * STEP), code):
            return step
    return None


def ensure_not_locked(user: User) -> None:
    if user.totp_locked_until is not None and user.totp_locked_until > utcnow():
        raise SecondFactorLocked()


def verify(user: User, code: str, *, now: float | None = None) -> None:
    """Accept a code from the app or an unused recovery code; nothing works twice.

    Wrong codes count against the account; the fifth in a row locks the second
    factor for LOCK_MINUTES (SecondFactorLocked).
    """
    ensure_not_locked(user)
    recovery = _recovery_form(code)
    if recovery is not None:
        accepted = _spend_recovery_code(user, recovery)
    else:
        step = matching_step(secret_of(user), code, now) if is_enrolled(user) else None
        accepted = step is not None and (user.totp_last_step is None
                                         or step > user.totp_last_step)
        if accepted:
            user.totp_last_step = step
    if not accepted:
        _count_failure(user)
        raise ValidationError(field="code", reason=str(_l("this code is wrong or already used")))
    user.totp_failures = 0
    db.session.commit()


def _recovery_form(code: str) -> str | None:
    plain = re.sub(r"[\s-]", "", code or "").lower()
    return plain if _RECOVERY_RE.fullmatch(plain) else None


def _code_hash(plain: str) -> str:
    # Recovery codes are random and long, so a fast hash suffices (as for API tokens).
    return hashlib.sha256(plain.encode("ascii")).hexdigest()


def _spend_recovery_code(user: User, plain: str) -> bool:
    spent = db.session.execute(
        sa.update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _code_hash(plain),
               RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()))
    if spent.rowcount:
        audit.record(user, "user.recovery_code_used", user)
    return bool(spent.rowcount)


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


def install(user: User, sealed_secret: bytes, last_step: int | None) -> list[str]:
    """Give `user` this authenticator and fresh recovery codes (returned, shown once).

    Older recovery codes stop working, and so does every session signed in before.
    """
    user.totp_secret_box, user.totp_last_step = sealed_secret, last_step
    user.totp_failures, user.totp_locked_until = 0, None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))
             for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_code_hash(c)) for c in codes)
    user.end_sessions()
    db.session.commit()
    sessions_ended.send(user)
    return ["-".join(code[i:i + 4] for i in range(0, 16, 4)) for code in codes]


def enrol(user: User, secret: str) -> list[str]:
    """Set up a known secret directly: the demo data and tests, never a web page."""
    db.session.flush()  # the seal is bound to the account's id
    return install(user, seal_secret(user, secret), None)
