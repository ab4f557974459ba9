"""What vetting stores: each posting's assessment, each organisation's risk, reviewer decisions."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.jobs.models import JobPosting
    from app.organisations.models import Organisation

DECISIONS = ("clear", "warn", "suspend", "refer")


class PostingAssessment(db.Model):
    """The scorer's verdict on one posting, with every finding and its character span."""

    __tablename__ = "posting_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(
        sa.ForeignKey("job_postings.id", ondelete="CASCADE"), unique=True)
    status: Mapped[str] = mapped_column(sa.String(30))
    message: Mapped[str] = mapped_column(sa.Text, default="")
    score: Mapped[int | None]
    critical: Mapped[int] = mapped_column(default=0)
    findings: Mapped[list] = mapped_column(sa.JSON, default=list)
    contributions: Mapped[list] = mapped_column(sa.JSON, default=list)
    fraud_probability: Mapped[float | None]
    scored_text: Mapped[str] = mapped_column(sa.Text, default="")  # spans point into this
    scored_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    job: Mapped[JobPosting] = relationship()

    def __repr__(self) -> str:
        return f"<PostingAssessment job={self.job_id} score={self.score}>"


class OrganisationRisk(db.Model):
    """An organisation's current 0-100 risk and the lines it adds up from."""

    __tablename__ = "organisation_risks"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), unique=True)
    score: Mapped[int] = mapped_column(index=True)
    suggested_tier: Mapped[str] = mapped_column(sa.String(20))
    lines: Mapped[list] = mapped_column(sa.JSON, default=list)
    licence_status: Mapped[str] = mapped_column(sa.String(20))
    licence_note: Mapped[str] = mapped_column(sa.Text, default="")  # English, as checked
    # The note as a message id and params (vetting/messages.py), worded for each reader;
    # None on rows computed before notes had ids, which show licence_note as stored.
    licence_params: Mapped[dict | None] = mapped_column(sa.JSON)
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()

    def __repr__(self) -> str:
        return f"<OrganisationRisk org={self.organisation_id} score={self.score}>"


class ReviewDecision(db.Model):
    """A ministry reviewer's decision on an organisation, with the reason and the evidence level."""

    __tablename__ = "review_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    decision: Mapped[str] = mapped_column(sa.String(20))
    reason: Mapped[str] = mapped_column(sa.Text)
    risk_score: Mapped[int]  # the score the reviewer saw when deciding
    tier_before: Mapped[str] = mapped_column(sa.String(20))
    tier_after: Mapped[str] = mapped_column(sa.String(20))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship()
    reviewer: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<ReviewDecision {self.id} {self.decision}>"
