"""The ministry review queue: flagged organisations ranked by risk, dossiers, and decisions."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import audit
from app.accounts.models import REVIEWER, User
from app.errors import PermissionDenied, get_or_not_found
from app.extensions import db
from app.jobs.models import JobPosting
from app.organisations.models import Organisation
from app.reviews.moderation import organisation_reviews_for_dossier
from app.validation import InputReader
from vetting.models import DECISIONS, OrganisationRisk, PostingAssessment, ReviewDecision
from vetting.services import DECISION_TIERS, refresh_organisation_risk

QUEUE_TIERS = ("flagged", "under_review", "suspended", "vetted")


def _require_reviewer(actor: User) -> None:
    if actor.role != REVIEWER:
        raise PermissionDenied()


def review_queue(actor: User, tier: str = "flagged") -> list[tuple[Organisation, OrganisationRisk]]:
    """Organisations of one tier (flagged by default), the riskiest first."""
    _require_reviewer(actor)
    if tier not in QUEUE_TIERS:
        tier = "flagged"
    rows = db.session.execute(
        sa.select(Organisation, OrganisationRisk)
        .join(OrganisationRisk, OrganisationRisk.organisation_id == Organisation.id)
        .where(Organisation.tier == tier)
        .order_by(OrganisationRisk.score.desc(), Organisation.name))
    return [(organisation, risk) for organisation, risk in rows]


@dataclass
class Dossier:
    organisation: Organisation
    risk: OrganisationRisk | None
    assessments: list[tuple[JobPosting, PostingAssessment]]
    decisions: list[ReviewDecision]
    history: list
    reviews: list  # worker reviews, hidden ones included (app.reviews)


def dossier(actor: User, organisation_id: int) -> Dossier:
    """Everything a reviewer needs about one organisation, riskiest ads first."""
    _require_reviewer(actor)
    organisation = get_or_not_found(Organisation, organisation_id)
    risk = db.session.scalar(sa.select(OrganisationRisk)
                             .where(OrganisationRisk.organisation_id == organisation.id))
    assessments = [tuple(row) for row in db.session.execute(
        sa.select(JobPosting, PostingAssessment)
        .join(PostingAssessment, PostingAssessment.job_id == JobPosting.id)
        .where(JobPosting.organisation_id == organisation.id)
        .order_by(PostingAssessment.score.desc().nulls_last(), JobPosting.id))]
    decisions = list(db.session.scalars(
        sa.select(ReviewDecision).where(ReviewDecision.organisation_id == organisation.id)
        .order_by(ReviewDecision.created_at.desc(), ReviewDecision.id.desc())))
    return Dossier(organisation, risk, assessments, decisions, audit.history(organisation),
                   organisation_reviews_for_dossier(organisation.id))


def decide(actor: User, organisation_id: int, data: Mapping[str, Any]) -> ReviewDecision:
    """Clear, warn, suspend or refer an organisation, with a written reason (audited)."""
    _require_reviewer(actor)
    organisation = get_or_not_found(Organisation, organisation_id)
    reader = InputReader(data)
    decision = reader.choice("decision", DECISIONS)
    reason = reader.text("reason", max_len=5000, min_len=10)
    reader.finish()
    risk = refresh_organisation_risk(organisation)
    record = ReviewDecision(organisation=organisation, reviewer=actor, decision=decision,
                            reason=reason, risk_score=risk.score, tier_before=organisation.tier,
                            tier_after=DECISION_TIERS[decision])
    db.session.add(record)
    organisation.tier = record.tier_after
    audit.record(actor, f"organisation.{decision}", organisation, reason=reason,
                 before=record.tier_before, after=record.tier_after, score=risk.score)
    db.session.commit()
    return record


def decision_label(decision: str) -> str:
    return str({"clear": _l("Cleared"), "warn": _l("Warned"), "suspend": _l("Suspended"),
                "refer": _l("Referred to the enforcement authority")}.get(decision, decision))
