"""What a worker reports about an organisation after meeting it, and how reviewers moderated it.

A review belongs to one application (once per application), but nothing shown to the
public leads back to it: public pages show the corridor and the month only.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.jobs.models import MONEY
from app.timeutil import utcnow

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.corridors.models import Corridor
    from app.jobs.models import Application
    from app.organisations.models import Organisation

# Each dimension is rated 1 (worst for the worker) to 5 (best), so that averages read
# the same way: 5 on "fees" means nothing was charged, 5 on "passport" that the worker
# always kept it (ILO General Principles 7 and 11).
DIMENSIONS = ("fees", "contract", "passport", "wages", "treatment")


class OrganisationReview(db.Model):
    __tablename__ = "organisation_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("applications.id", ondelete="CASCADE"), unique=True)
    corridor_id: Mapped[int] = mapped_column(sa.ForeignKey("corridors.id"), index=True)
    rating_fees: Mapped[int] = mapped_column(sa.SmallInteger)
    rating_contract: Mapped[int] = mapped_column(sa.SmallInteger)
    rating_passport: Mapped[int] = mapped_column(sa.SmallInteger)
    rating_wages: Mapped[int] = mapped_column(sa.SmallInteger)
    rating_treatment: Mapped[int] = mapped_column(sa.SmallInteger)
    paid_fee: Mapped[bool] = mapped_column(default=False)
    fee_amount: Mapped[Decimal | None] = mapped_column(MONEY)
    fee_currency: Mapped[str | None] = mapped_column(sa.String(3))
    # The fee at the reference rate (app/data/exchange_rates.yaml) when it was reported,
    # to compare fees across corridors; None for a currency without a reference rate.
    fee_usd: Mapped[Decimal | None] = mapped_column(MONEY)
    comment: Mapped[str] = mapped_column(sa.Text, default="")  # plain text, escaped on output
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    # Moderation: a new review waits in the queue until a reviewer has looked at it.
    moderated_at: Mapped[dt.datetime | None] = mapped_column(index=True)
    moderated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"))
    hidden: Mapped[bool] = mapped_column(default=False, index=True)
    hidden_reason: Mapped[str] = mapped_column(sa.Text, default="")

    organisation: Mapped[Organisation] = relationship()
    application: Mapped[Application] = relationship()
    corridor: Mapped[Corridor] = relationship()
    moderated_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<OrganisationReview {self.id} org={self.organisation_id}>"

    def rating(self, dimension: str) -> int:
        return getattr(self, f"rating_{dimension}")
