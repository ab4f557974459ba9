"""User accounts, their roles and the worker's profile."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from functools import cache
from typing import TYPE_CHECKING

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

if TYPE_CHECKING:
    from app.corridors.models import Corridor
    from app.organisations.models import Organisation

WORKER, EMPLOYER, AGENCY, REVIEWER, ADMIN = "worker", "employer", "agency", "reviewer", "admin"
ROLES = (WORKER, EMPLOYER, AGENCY, REVIEWER, ADMIN)
ORGANISATION_ROLES = (EMPLOYER, AGENCY)


def password_hasher() -> PasswordHasher:
    """Argon2id with the cost parameters configured for this app."""
    cfg = current_app.config
    return PasswordHasher(time_cost=cfg["ARGON2_TIME_COST"], memory_cost=cfg["ARGON2_MEMORY_COST"])


@cache
def _unused_password_hash(time_cost: int, memory_cost: int) -> str:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost).hash(
        secrets.token_urlsafe(24))


def check_password_of_no_one(password: str) -> bool:
    """The same Argon2 work as a real check, for an e-mail with no account: sign-in takes
    as long either way, so its timing does not tell which e-mails are registered."""
    cfg = current_app.config
    try:
        password_hasher().verify(
            _unused_password_hash(cfg["ARGON2_TIME_COST"], cfg["ARGON2_MEMORY_COST"]), password)
    except VerificationError:
        pass
    return False


profile_corridors = sa.Table(
    "profile_corridors", db.metadata,
    sa.Column("profile_id", sa.ForeignKey("worker_profiles.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("corridor_id", sa.ForeignKey("corridors.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    display_name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[str] = mapped_column(sa.String(20), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str] = mapped_column(sa.String(10), default="en")
    timezone: Mapped[str] = mapped_column(sa.String(64), default="UTC",
                                          server_default="UTC")  # IANA name
    api_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # Second factor (TOTP, RFC 6238): the shared secret, sealed (app.accounts.secret_box),
    # and the last time step used, so that a code cannot be replayed.
    totp_secret_box: Mapped[bytes | None] = mapped_column(sa.LargeBinary(128))
    totp_last_step: Mapped[int | None]
    # Wrong codes are counted here, not in the client's session cookie, which a
    # guesser could replay; enough of them lock the second factor for a while.
    totp_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    totp_locked_until: Mapped[dt.datetime | None]
    # Part of every session's sign-in (get_id): raising it ends all of the account's
    # sessions at once, so a copied cookie dies at sign-out or a password or role change.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation | None] = relationship(back_populates="members")
    profile: Mapped[WorkerProfile | None] = relationship(back_populates="user",
                                                         cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        """What the session stores (Flask-Login): the account and its session version."""
        return f"{self.id}:{self.session_version or 0}"

    def end_sessions(self) -> None:
        """Every session signed in so far stops working at its next request."""
        self.session_version = (self.session_version or 0) + 1

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    @property
    def is_org_member(self) -> bool:
        return self.role in ORGANISATION_ROLES and self.organisation_id is not None

    def set_password(self, password: str) -> None:
        """A new password also ends every session opened with the old one."""
        self.password_hash = password_hasher().hash(password)
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        try:
            return password_hasher().verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def set_api_token(self, token: str) -> None:
        # A token is random and long, so a fast hash suffices (unlike a password).
        self.api_token_hash = hashlib.sha256(token.encode()).hexdigest()


class SecondFactorLink(db.Model):
    """A one-time link an admin issues so that one account can set up its authenticator.

    Only the token's hash is kept. The secret is made once the holder has given the
    account's password, and waits here, sealed, until a first code confirms it.
    """

    __tablename__ = "second_factor_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    issued_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]  # set up, replaced, or spent by wrong attempts
    pending_secret_box: Mapped[bytes | None] = mapped_column(sa.LargeBinary(128))
    failures: Mapped[int] = mapped_column(default=0)

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<SecondFactorLink {self.id} user={self.user_id}>"


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator (lost phone); kept hashed."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    used_at: Mapped[dt.datetime | None]

    def __repr__(self) -> str:
        return f"<RecoveryCode {self.id} user={self.user_id}>"


class WorkerProfile(db.Model):
    """What a worker tells employers about their work. No protected attributes here."""

    __tablename__ = "worker_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         unique=True)
    headline: Mapped[str] = mapped_column(sa.String(200), default="")
    skills: Mapped[list] = mapped_column(sa.JSON, default=list)
    experience_years: Mapped[int] = mapped_column(default=0)
    experience: Mapped[str] = mapped_column(sa.Text, default="")
    languages: Mapped[list] = mapped_column(sa.JSON, default=list)
    available_from: Mapped[dt.date | None]
    # Consent to be found by employers; only discoverable workers are ever suggested.
    discoverable: Mapped[bool] = mapped_column(default=False)
    consent_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(back_populates="profile")
    corridors: Mapped[list[Corridor]] = relationship(secondary=profile_corridors,
                                                     order_by="Corridor.code")

    def __repr__(self) -> str:
        return f"<WorkerProfile {self.id} user={self.user_id}>"
