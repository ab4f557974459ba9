"""What vetting learns from worker reviews: one ReviewReport per visible review.

A hidden review (a reviewer found it abusive, off-topic or not credible) stops counting.
"""
from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.reviews.models import OrganisationReview
from vetting.risk import ReviewReport


def organisation_reviews(organisation_id: int) -> list[ReviewReport]:
    rows = db.session.execute(sa.select(
        OrganisationReview.paid_fee, OrganisationReview.rating_passport,
        OrganisationReview.rating_wages).where(
        OrganisationReview.organisation_id == organisation_id,
        OrganisationReview.hidden.is_(False)).order_by(OrganisationReview.id))
    return [ReviewReport(bool(paid), passport, wages) for paid, passport, wages in rows]
