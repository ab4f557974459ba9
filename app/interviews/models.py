"""An interview for one application: the proposed slots, the chosen time, its room."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.interviews.zones import worker_zone
from app.timeutil import utcnow

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.jobs.models import Application

PROPOSED, OTHER_TIMES, SCHEDULED, CANCELLED, COMPLETED = (
    "proposed", "other_times_requested", "scheduled", "cancelled", "completed")
INTERVIEW_STATUSES = (PROPOSED, OTHER_TIMES, SCHEDULED, CANCELLED, COMPLETED)
OPEN_STATUSES = (PROPOSED, OTHER_TIMES, SCHEDULED)
STATUS_LABELS = {
    PROPOSED: _l("Times proposed, waiting for the candidate's choice"),
    OTHER_TIMES: _l("The candidate asked for other times"),
    SCHEDULED: _l("Scheduled"),
    CANCELLED: _l("Cancelled"),
    COMPLETED: _l("Held, outcome recorded"),
}
# What each audit entry about an interview means, for the history shown to both sides.
ACTION_LABELS = {
    "interview.proposed": _l("Times proposed"),
    "interview.rescheduled": _l("New times proposed"),
    "interview.scheduled": _l("Time chosen"),
    "interview.other_times_requested": _l("Other times requested"),
    "interview.cancelled": _l("Cancelled"),
    "interview.outcome_recorded": _l("Outcome recorded"),
}


class Interview(db.Model):
    __tablename__ = "interviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    # The Jitsi room: unguessable, and never shown to anyone but the two sides.
    room: Mapped[str] = mapped_column(sa.String(64), unique=True)
    status: Mapped[str] = mapped_column(sa.String(30), default=PROPOSED)
    # The IANA zone the organisation proposed the slots in (the worker sees their own).
    timezone: Mapped[str] = mapped_column(sa.String(64))
    # The chosen slot, naive UTC; kept after a cancellation for the calendar update.
    starts_at: Mapped[dt.datetime | None]
    ends_at: Mapped[dt.datetime | None]
    # iCalendar SEQUENCE: grows with every change so calendars replace the old entry.
    sequence: Mapped[int] = mapped_column(default=0)
    # The latest message from one side to the other (other times, reschedule, cancel).
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    reason_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    outcome: Mapped[str | None] = mapped_column(sa.String(20))
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    application: Mapped[Application] = relationship()
    reason_by: Mapped[User | None] = relationship(foreign_keys=[reason_by_id])
    slots: Mapped[list[InterviewSlot]] = relationship(
        back_populates="interview", cascade="all, delete-orphan",
        order_by="InterviewSlot.starts_at")

    def __repr__(self) -> str:
        return f"<Interview {self.id} {self.status}>"

    @property
    def is_open(self) -> bool:
        """Still to happen: not cancelled or held, and the application still open."""
        return self.status in OPEN_STATUSES and not self.application.is_final

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))

    def display_zone(self, viewer: User) -> str:
        """The zone to show times in: for the worker their own (by default the corridor
        origin's); for the organisation the one the slots were set in."""
        if viewer.id == self.application.worker_id:
            return worker_zone(self.application)
        return self.timezone

    def side_of(self, user_id: int | None) -> str:
        """"worker" for the candidate, "organisation" for anyone else who acted on it."""
        return "worker" if user_id == self.application.worker_id else "organisation"


class InterviewSlot(db.Model):
    """One time the organisation proposed; the worker chooses one of them."""

    __tablename__ = "interview_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    interview_id: Mapped[int] = mapped_column(
        sa.ForeignKey("interviews.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[dt.datetime]  # naive UTC
    ends_at: Mapped[dt.datetime]

    interview: Mapped[Interview] = relationship(back_populates="slots")

    def __repr__(self) -> str:
        return f"<InterviewSlot {self.id} {self.starts_at:%Y-%m-%d %H:%M}>"
