"""Job postings, their cost disclosures and the applications made to them."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import today, utcnow

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.corridors.models import Corridor
    from app.occupations.models import Occupation
    from app.organisations.models import Organisation
    from vetting.models import PostingAssessment

PUBLISHED, CLOSED = "published", "closed"
JOB_STATUSES = (PUBLISHED, CLOSED)
WAGE_PERIODS = ("hour", "day", "week", "month", "year")
ACCOMMODATION = ("provided_free", "provided_paid", "not_provided")
PAYERS = ("employer", "worker", "not_applicable")
MONEY = sa.Numeric(12, 2)


class JobPosting(db.Model):
    __tablename__ = "job_postings"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    corridor_id: Mapped[int] = mapped_column(sa.ForeignKey("corridors.id"), index=True)
    occupation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("occupations.id"),
                                                      index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text)
    # A posting made here states all of these; one read from a job source may not, and what
    # its ad did not state stays None ("not stated"), never a figure made up for it.
    wage_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    wage_currency: Mapped[str | None] = mapped_column(sa.String(3))
    wage_period: Mapped[str | None] = mapped_column(sa.String(10))
    # In wage_currency; None without a wage or its period (or per hour without the hours).
    wage_monthly: Mapped[Decimal | None] = mapped_column(MONEY)
    # The monthly wage at the reference rate (app/data/exchange_rates.yaml), to compare
    # wages across currencies; None for a currency without a reference rate.
    wage_monthly_usd: Mapped[Decimal | None] = mapped_column(MONEY, index=True)
    hours_per_week: Mapped[int | None]
    benefits: Mapped[str] = mapped_column(sa.Text, default="")
    accommodation: Mapped[str] = mapped_column(sa.String(20))
    contract_languages: Mapped[list] = mapped_column(sa.JSON, default=list)
    valid_through: Mapped[dt.date] = mapped_column(index=True)
    # Fields whose value a job source's ad did not state and that were taken from its
    # corridor ("destination", "currency", "valid_through"): pages show them as such.
    assumed_fields: Mapped[list | None] = mapped_column(sa.JSON)
    status: Mapped[str] = mapped_column(sa.String(20), default=PUBLISHED, index=True)
    # A stable key for postings loaded from data files (seed, imports); None for direct posts.
    external_ref: Mapped[str | None] = mapped_column(sa.String(100), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()
    corridor: Mapped[Corridor] = relationship()
    occupation: Mapped[Occupation | None] = relationship()
    costs: Mapped[list[JobCost]] = relationship(back_populates="job",
                                                cascade="all, delete-orphan",
                                                order_by="JobCost.id")
    # The latest vetting assessment of the ad (kept by vetting/services.py): what the ad's
    # own words say, shown beside what the recruiter declared.
    assessment: Mapped[PostingAssessment | None] = relationship(
        "PostingAssessment", uselist=False, viewonly=True)

    def __repr__(self) -> str:
        return f"<JobPosting {self.id} {self.status}>"

    @property
    def is_open(self) -> bool:
        """Open to applications: published and not past its valid-through date."""
        return self.status == PUBLISHED and self.valid_through >= today()

    @property
    def costs_to_worker(self) -> list[JobCost]:
        return [c for c in self.costs if c.payer == "worker"]



class JobCost(db.Model):
    """Who pays one recruitment-related cost (ILO definition of recruitment fees, 2019)."""

    __tablename__ = "job_costs"
    __table_args__ = (sa.UniqueConstraint("job_id", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("job_postings.id", ondelete="CASCADE"))
    item: Mapped[str] = mapped_column(sa.String(40))
    payer: Mapped[str] = mapped_column(sa.String(20))
    amount: Mapped[Decimal | None] = mapped_column(MONEY)
    currency: Mapped[str | None] = mapped_column(sa.String(3))

    job: Mapped[JobPosting] = relationship(back_populates="costs")

    def __repr__(self) -> str:
        return f"<JobCost {self.item} {self.payer}>"


RECEIVED, SHORTLISTED, INTERVIEW, OFFERED, HIRED, REJECTED, WITHDRAWN = (
    "received", "shortlisted", "interview", "offered", "hired", "rejected", "withdrawn")
APPLICATION_STATUSES = (RECEIVED, SHORTLISTED, INTERVIEW, OFFERED, HIRED, REJECTED, WITHDRAWN)
FINAL_STATUSES = (HIRED, REJECTED, WITHDRAWN)
# The stages at which a worker has met the organisation (interview or later); an
# application rejected or withdrawn afterwards keeps the fact in `interview_reached_at`.
INTERVIEW_STAGES = (INTERVIEW, OFFERED, HIRED)
# What the employer may move an application to, from each state; withdrawal is the
# worker's own act and is allowed from any state that is not final.
EMPLOYER_TRANSITIONS: dict[str, tuple[str, ...]] = {
    RECEIVED: (SHORTLISTED, REJECTED),
    SHORTLISTED: (INTERVIEW, OFFERED, REJECTED),
    INTERVIEW: (OFFERED, REJECTED),
    OFFERED: (HIRED, REJECTED),
}


class Application(db.Model):
    __tablename__ = "applications"
    __table_args__ = (sa.UniqueConstraint("job_id", "worker_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(sa.ForeignKey("job_postings.id", ondelete="CASCADE"),
                                        index=True)
    worker_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                           index=True)
    status: Mapped[str] = mapped_column(sa.String(20), default=RECEIVED)
    message: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # When the application first reached the interview stage or later (set by the
    # status listener below): the furthest stage survives a later rejection or withdrawal.
    interview_reached_at: Mapped[dt.datetime | None]

    job: Mapped[JobPosting] = relationship()
    worker: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<Application {self.id} {self.status}>"

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES


@sa.event.listens_for(Application.status, "set")
def _remember_interview_stage(target: Application, value: str, _old, _initiator) -> None:
    """Record the first time an application reaches the interview stage or later."""
    if value in INTERVIEW_STAGES and target.interview_reached_at is None:
        target.interview_reached_at = utcnow()
