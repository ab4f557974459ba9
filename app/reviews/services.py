"""Review services: who may review, submitting a review, and what the public is shown.

A worker reviews an organisation once per application, once the application reached
the interview stage (even if rejected or withdrawn afterwards), within REVIEW_WINDOW.
The public sees "a worker in this corridor, month/year": never a name, an id or a day.
"""
from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import audit
from app.accounts.models import WORKER, User
from app.errors import NotFound, PermissionDenied, ValidationError
from app.extensions import db
from app.jobs.applications import worker_application
from app.jobs.models import Application
from app.jobs.wages import to_usd
from app.reviews.models import DIMENSIONS, OrganisationReview
from app.timeutil import utcnow
from app.validation import InputReader
from vetting.services import refresh_organisation_risk

# Long enough to cover a two-year contract abroad, short enough that memories are fresh.
REVIEW_WINDOW = dt.timedelta(days=730)
COMMENT_MAX = 2000
# A fee above this (in US dollars at the reference rate) is a typing mistake, not a fee:
# the highest fees documented in Gulf corridors are a few thousand dollars.
FEE_MAX_USD = 50_000
FEE_MAX_AMOUNT = 100_000_000  # for a currency without a reference rate
PAID_CHOICES = ("yes", "no")


def reviewable_application(actor: User, application_id: int) -> Application:
    """The actor's own application that reached the interview stage; anything else NotFound."""
    if actor.role != WORKER:
        raise PermissionDenied()
    application = worker_application(actor, application_id)
    if application.interview_reached_at is None:
        raise NotFound()
    return application


def review_problem(application: Application, now: dt.datetime | None = None) -> str | None:
    """Why this application cannot be reviewed now, or None when it can."""
    if application.interview_reached_at is None:
        return str(_l("this application did not reach the interview stage"))
    if _existing_review(application.id) is not None:
        return str(_l("you have already reviewed this organisation for this application"))
    if (now or utcnow()) > application.interview_reached_at + REVIEW_WINDOW:
        return str(_l("reviews are accepted up to two years after the interview stage; "
                      "this window has closed"))
    return None


def can_review(application: Application) -> bool:
    return review_problem(application) is None


def _existing_review(application_id: int) -> OrganisationReview | None:
    return db.session.scalar(sa.select(OrganisationReview)
                             .where(OrganisationReview.application_id == application_id))


def submit_review(actor: User, application_id: int, data: Mapping[str, Any]) -> OrganisationReview:
    """A worker rates the organisation behind one of their applications (audited)."""
    application = reviewable_application(actor, application_id)
    reader = InputReader(data)
    problem = review_problem(application)
    if problem:
        reader.error("application", problem)
    ratings = {d: reader.integer(f"rating_{d}", minimum=1, maximum=5) for d in DIMENSIONS}
    paid = reader.choice("paid_fee", PAID_CHOICES)
    amount, currency, usd = _read_fee(reader, paid == "yes")
    comment = reader.text("comment", required=False, max_len=COMMENT_MAX) or ""
    reader.finish()
    job = application.job
    review = OrganisationReview(
        organisation_id=job.organisation_id, application=application,
        corridor_id=job.corridor_id, paid_fee=paid == "yes", fee_amount=amount,
        fee_currency=currency, fee_usd=usd, comment=comment,
        **{f"rating_{d}": value for d, value in ratings.items()})
    db.session.add(review)
    audit.record(actor, "review.submitted", review, organisation_id=job.organisation_id)
    refresh_organisation_risk(job.organisation)
    db.session.commit()
    return review


def _read_fee(reader: InputReader, paid: bool
              ) -> tuple[Decimal | None, str | None, Decimal | None]:
    """The fee a worker paid: amount and currency when they paid one, nothing otherwise."""
    if not paid:
        for name in ("fee_amount", "fee_currency"):
            if reader.data.get(name) not in (None, ""):
                reader.error(name, _l("leave this empty when you paid no fee"))
        return None, None, None
    amount = reader.decimal("fee_amount", positive=True, maximum=FEE_MAX_AMOUNT)
    currency = reader.currency("fee_currency")
    usd = to_usd(amount, currency) if amount is not None and currency else None
    if usd is not None and usd > FEE_MAX_USD:
        reader.error("fee_amount", _l("is not a plausible fee (more than %(n)s US dollars); "
                                      "check the amount and the currency", n=f"{FEE_MAX_USD:,}"))
    return amount, currency, usd


def thanked_review(actor: User, review_id: int) -> OrganisationReview:
    """The actor's own review (for the thank-you page); anyone else's is NotFound."""
    review = db.session.get(OrganisationReview, review_id)
    if review is None or actor.role != WORKER or review.application.worker_id != actor.id:
        raise NotFound()
    return review


def _visible(organisation_id: int):
    return sa.select(OrganisationReview).where(
        OrganisationReview.organisation_id == organisation_id,
        OrganisationReview.hidden.is_(False))


def public_review_summary(organisation_id: int) -> dict | None:
    """The visible reviews of an organisation in aggregate (JSON-ready); None without any.

    Averages are per dimension, 1 (worst for the worker) to 5 (best); `paid_fee_share`
    is the share of reviewers who paid a recruitment fee, `median_fee_usd` the median
    such fee at the reference rate. Nothing here identifies a reviewer.
    """
    reviews = list(db.session.scalars(_visible(organisation_id)))
    if not reviews:
        return None
    averages = {d: round(statistics.fmean(r.rating(d) for r in reviews), 1) for d in DIMENSIONS}
    paid = [r for r in reviews if r.paid_fee]
    fees = [r.fee_usd for r in paid if r.fee_usd is not None]
    latest = max(r.created_at for r in reviews)
    return {
        "count": len(reviews),
        "averages": averages,
        "overall": round(statistics.fmean(averages.values()), 1),
        "paid_fee_count": len(paid),
        "paid_fee_share": round(len(paid) / len(reviews), 3),
        "median_fee_usd": str(statistics.median(fees)) if fees else None,
        "latest_month": latest.strftime("%Y-%m"),
    }


def public_reviews(organisation_id: int, limit: int = 20) -> list[dict]:
    """The latest visible reviews, each as "a worker in this corridor, month/year"."""
    rows = db.session.scalars(_visible(organisation_id)
                              .order_by(OrganisationReview.created_at.desc(),
                                        OrganisationReview.id.desc()).limit(limit))
    return [{"corridor": review.corridor.name, "month": review.created_at.strftime("%Y-%m"),
             "ratings": {d: review.rating(d) for d in DIMENSIONS},
             "paid_fee": review.paid_fee, "fee_amount": review.fee_amount,
             "fee_currency": review.fee_currency, "comment": review.comment}
            for review in rows]
