"""Moderation by ministry reviewers: the queue of new reviews, hiding with a reason, unhiding.

Every act is audited, and hiding or unhiding recomputes the organisation's risk, since a
hidden review stops counting there and leaves the public pages.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import audit
from app.accounts.models import REVIEWER, User
from app.errors import PermissionDenied, get_or_not_found
from app.extensions import db
from app.reviews.models import OrganisationReview
from app.timeutil import utcnow
from app.validation import InputReader
from vetting.services import refresh_organisation_risk

VIEWS = ("new", "hidden", "all")
ACTIONS = ("keep", "hide", "unhide")


def _require_reviewer(actor: User) -> None:
    if actor.role != REVIEWER:
        raise PermissionDenied()


def moderation_list(actor: User, view: str = "new") -> list[OrganisationReview]:
    """New reviews (not yet looked at) oldest first, or the hidden ones, or all newest first."""
    _require_reviewer(actor)
    query = sa.select(OrganisationReview)
    if view == "hidden":
        query = query.where(OrganisationReview.hidden.is_(True))
    elif view == "all":
        query = query.order_by(OrganisationReview.created_at.desc())
    else:
        query = query.where(OrganisationReview.moderated_at.is_(None))
    return list(db.session.scalars(query.order_by(OrganisationReview.created_at,
                                                  OrganisationReview.id).limit(200)))


def organisation_reviews_for_dossier(organisation_id: int) -> list[OrganisationReview]:
    """Every review of an organisation, hidden ones included, newest first (reviewers only)."""
    return list(db.session.scalars(
        sa.select(OrganisationReview).where(OrganisationReview.organisation_id == organisation_id)
        .order_by(OrganisationReview.created_at.desc(), OrganisationReview.id.desc())))


def moderate(actor: User, review_id: int, data: Mapping[str, Any]) -> OrganisationReview:
    """Keep a review as it is, hide it with a written reason, or show it again (audited)."""
    _require_reviewer(actor)
    review = get_or_not_found(OrganisationReview, review_id)
    reader = InputReader(data)
    action = reader.choice("action", ACTIONS)
    reason = reader.text("reason", required=action in ("hide", "unhide"), max_len=2000,
                         min_len=5)
    if action == "hide" and review.hidden:
        reader.error("action", _l("this review is already hidden"))
    if action == "unhide" and not review.hidden:
        reader.error("action", _l("this review is not hidden"))
    reader.finish()
    before = review.hidden
    if action == "hide":
        review.hidden, review.hidden_reason = True, reason
    elif action == "unhide":
        review.hidden, review.hidden_reason = False, ""
    review.moderated_at, review.moderated_by = utcnow(), actor
    audit.record(actor, {"keep": "review.kept", "hide": "review.hidden",
                         "unhide": "review.unhidden"}[action], review, reason=reason or "",
                 organisation_id=review.organisation_id, hidden_before=before,
                 hidden_after=review.hidden)
    if review.hidden != before:
        refresh_organisation_risk(review.organisation)
    db.session.commit()
    return review
