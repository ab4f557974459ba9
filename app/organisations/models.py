"""The organisation model: an employer or a recruitment agency with its licence."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import today, utcnow

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.corridors.models import Corridor

EMPLOYER, AGENCY = "employer", "agency"
KINDS = (EMPLOYER, AGENCY)
# Tiers are set by vetting; a new organisation starts under review.
TIERS = ("vetted", "under_review", "flagged", "suspended")

organisation_corridors = sa.Table(
    "organisation_corridors", db.metadata,
    sa.Column("organisation_id", sa.ForeignKey("organisations.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("corridor_id", sa.ForeignKey("corridors.id", ondelete="CASCADE"), primary_key=True),
)


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    country: Mapped[str] = mapped_column(sa.String(2))
    licence_number: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    licence_authority: Mapped[str | None] = mapped_column(sa.String(200))
    licence_expiry: Mapped[dt.date | None]
    website: Mapped[str] = mapped_column(sa.String(300), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    tier: Mapped[str] = mapped_column(sa.String(20), default="under_review")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    members: Mapped[list[User]] = relationship(back_populates="organisation")
    corridors: Mapped[list[Corridor]] = relationship(secondary=organisation_corridors,
                                                     order_by="Corridor.code")

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.kind}>"

    @property
    def licence_status(self) -> str:
        """"valid", "expired" or "none" — what a worker is shown beside the licence."""
        if not self.licence_number:
            return "none"
        if self.licence_expiry is not None and self.licence_expiry < today():
            return "expired"
        return "valid"
