"""What grievance stores: encrypted cases, messages and files, keys, and anti-abuse counters.

Nothing here holds a report's words in clear: every body, message, file and file name is
an envelope (grievance.crypto.seal) to the reviewers' key and the reporter's own key.
Dates about a reporter are days (never times), and no column holds an IP address,
a user agent or a referrer.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import today

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.organisations.models import Organisation

RECEIVED, TRIAGED, INVESTIGATING = "received", "triaged", "investigating"
RESOLVED, REFERRED, REJECTED = "resolved", "referred", "rejected"
STATUSES = (RECEIVED, TRIAGED, INVESTIGATING, RESOLVED, REFERRED, REJECTED)
OPEN_STATUSES = (RECEIVED, TRIAGED, INVESTIGATING)
TRANSITIONS = {
    RECEIVED: (TRIAGED, REJECTED),
    TRIAGED: (INVESTIGATING, REFERRED, REJECTED),
    INVESTIGATING: (RESOLVED, REFERRED, REJECTED),
}
ANONYMOUS, NAMED = "anonymous", "named"
# What happened: the families of ILO signals a reporter can name without legal words.
CATEGORIES = ("fees", "passport", "wages", "deception", "threats", "conditions", "other")
REPORTER, REVIEWER_SIDE = "reporter", "reviewer"


class GrievanceKey(db.Model):
    """The reviewers' keypair: the public half in clear, the private half under a passphrase."""

    __tablename__ = "grievance_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary(32))
    encrypted_private_key: Mapped[bytes] = mapped_column(sa.LargeBinary(128))
    salt: Mapped[bytes] = mapped_column(sa.LargeBinary(16))
    opslimit: Mapped[int]
    memlimit: Mapped[int] = mapped_column(sa.BigInteger)
    fingerprint: Mapped[str] = mapped_column(sa.String(19))
    active: Mapped[bool] = mapped_column(default=True)
    created_on: Mapped[dt.date] = mapped_column(default=today)

    def __repr__(self) -> str:
        return f"<GrievanceKey {self.id} {self.fingerprint}>"


class GrievanceCase(db.Model):
    """One report or complaint and where it stands; its content is sealed."""

    __tablename__ = "grievance_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))  # anonymous or named
    # Anonymous cases: the receipt's non-secret lookup id and the Argon2id hash of its secret.
    receipt_id: Mapped[str | None] = mapped_column(sa.String(8), unique=True)
    receipt_hash: Mapped[str | None] = mapped_column(sa.String(160))
    # Named complaints: the worker who filed it (they chose to be known to reviewers).
    reporter_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    key_id: Mapped[int] = mapped_column(sa.ForeignKey("grievance_keys.id"))
    # The reporter's own keypair: replies are sealed to it too. Its private half is
    # wrapped under a key derived from the receipt (anonymous) or the server secret (named).
    reporter_public_key: Mapped[bytes] = mapped_column(sa.LargeBinary(32))
    reporter_private_box: Mapped[bytes] = mapped_column(sa.LargeBinary(128))
    reporter_key_salt: Mapped[bytes] = mapped_column(sa.LargeBinary(16))
    sealed_report: Mapped[bytes] = mapped_column(sa.LargeBinary)
    status: Mapped[str] = mapped_column(sa.String(20), default=RECEIVED, index=True)
    received_on: Mapped[dt.date] = mapped_column(default=today)  # a day, never a time
    updated_on: Mapped[dt.date] = mapped_column(default=today)
    assignee_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # Set by a reviewer, not by the reporter: only then does the case count in vetting.
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    verified: Mapped[bool] = mapped_column(default=False)
    # What the case is about, as a reviewer classified it after reading it: a coarse label
    # for the ministry's statistics. The reporter's own choice stays sealed in the report.
    category: Mapped[str | None] = mapped_column(sa.String(20), index=True)

    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    organisation: Mapped[Organisation | None] = relationship()
    messages: Mapped[list[GrievanceMessage]] = relationship(
        back_populates="case", cascade="all, delete-orphan",
        order_by="(GrievanceMessage.sent_on, GrievanceMessage.id)")
    attachments: Mapped[list[GrievanceAttachment]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="GrievanceAttachment.id")
    status_changes: Mapped[list[GrievanceStatusChange]] = relationship(
        back_populates="case", cascade="all, delete-orphan",
        order_by="(GrievanceStatusChange.changed_on, GrievanceStatusChange.id)")

    def __repr__(self) -> str:
        return f"<GrievanceCase {self.id} {self.kind} {self.status}>"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class GrievanceMessage(db.Model):
    """A message in a case's two-way thread; `author_role` names a role, never a person."""

    __tablename__ = "grievance_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("grievance_cases.id", ondelete="CASCADE"), index=True)
    side: Mapped[str] = mapped_column(sa.String(10))  # reporter or reviewer
    author_role: Mapped[str] = mapped_column(sa.String(20))
    sealed_body: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sent_on: Mapped[dt.date] = mapped_column(default=today)

    case: Mapped[GrievanceCase] = relationship(back_populates="messages")

    def __repr__(self) -> str:
        return f"<GrievanceMessage {self.id} case={self.case_id} {self.side}>"


class GrievanceAttachment(db.Model):
    """A file, cleaned of metadata, then sealed with its name and type."""

    __tablename__ = "grievance_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("grievance_cases.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("grievance_messages.id", ondelete="CASCADE"), index=True)
    sealed_meta: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sealed_data: Mapped[bytes] = mapped_column(sa.LargeBinary)

    case: Mapped[GrievanceCase] = relationship(back_populates="attachments")
    message: Mapped[GrievanceMessage | None] = relationship()

    def __repr__(self) -> str:
        return f"<GrievanceAttachment {self.id} case={self.case_id}>"


class GrievanceStatusChange(db.Model):
    """A step in the workflow as the reporter sees it: the day, the role and the reason."""

    __tablename__ = "grievance_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("grievance_cases.id", ondelete="CASCADE"), index=True)
    before: Mapped[str] = mapped_column(sa.String(20))
    after: Mapped[str] = mapped_column(sa.String(20))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    actor_role: Mapped[str] = mapped_column(sa.String(20))
    changed_on: Mapped[dt.date] = mapped_column(default=today)

    case: Mapped[GrievanceCase] = relationship(back_populates="status_changes")

    def __repr__(self) -> str:
        return f"<GrievanceStatusChange case={self.case_id} {self.before}->{self.after}>"


class UsedFormToken(db.Model):
    """A one-time form token already spent, so that a second submit is recognised.

    `receipt_box` holds the receipt encrypted under a key only the submitting page's
    token can derive, so a double click still shows the reporter their receipt.
    Rows are purged after a day or two.
    """

    __tablename__ = "grievance_used_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    used_on: Mapped[dt.date] = mapped_column(default=today, index=True)
    case_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("grievance_cases.id", ondelete="CASCADE"))
    receipt_box: Mapped[bytes | None] = mapped_column(sa.LargeBinary)

    case: Mapped[GrievanceCase | None] = relationship()

    def __repr__(self) -> str:
        return f"<UsedFormToken {self.id}>"


class UsedChallenge(db.Model):
    """A proof-of-work challenge already spent (grievance.work), so its work pays once.

    Only a hash and the day are kept: nothing about the sender. Rows are purged after a
    day or two, once every challenge they could match has expired.
    """

    __tablename__ = "grievance_used_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    used_on: Mapped[dt.date] = mapped_column(default=today, index=True)

    def __repr__(self) -> str:
        return f"<UsedChallenge {self.id}>"


class ReceiptAttempts(db.Model):
    """Wrong receipts counted per lookup id and day.

    No IP address is needed: guessing one receipt is slowed whoever the guesser is, and
    every other receipt keeps working (the cost of many guesses is the sender's work).
    """

    __tablename__ = "grievance_receipt_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(8))  # a receipt's lookup id
    window: Mapped[int]  # the day (ordinal)
    failures: Mapped[int] = mapped_column(default=0)

    __table_args__ = (sa.UniqueConstraint("scope", "window",
                                          name="uq_grievance_receipt_attempts_scope_window"),)

    def __repr__(self) -> str:
        return f"<ReceiptAttempts {self.scope} {self.window}: {self.failures}>"


class KeySession(db.Model):
    """A reviewer's unlocked private key, wrapped under a key held only in their session.

    A database dump without the cookie, or the cookie without the database, reveals
    nothing; see grievance.keyring for why this beats process memory here.
    """

    __tablename__ = "grievance_key_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    handle_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # One live unlock per reviewer: unlocking again replaces it.
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         unique=True)
    key_id: Mapped[int] = mapped_column(sa.ForeignKey("grievance_keys.id", ondelete="CASCADE"))
    # The reviewer's session version at unlock (User.session_version): once their sessions
    # end, this row opens nothing even before it is deleted.
    session_version: Mapped[int] = mapped_column(default=0)
    wrapped_private_key: Mapped[bytes] = mapped_column(sa.LargeBinary(128))
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)  # a reviewer's, not a reporter's

    def __repr__(self) -> str:
        return f"<KeySession {self.id} user={self.user_id}>"
