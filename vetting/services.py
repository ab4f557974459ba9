"""Binds the vetting scorer to the marketplace: assess postings, keep organisation risk current.

The review queue and reviewer decisions live in vetting/review.py.
"""
from __future__ import annotations

import dataclasses
import statistics
import threading
from pathlib import Path
from collections.abc import Callable, Iterable

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import audit
from app.errors import ValidationError
from app.extensions import db
from app.jobs.models import JobPosting
from app.organisations.models import Organisation
from app.reviews.evidence import organisation_reviews
from app.timeutil import today, utcnow
from grievance.evidence import organisation_grievances
from vetting.licences import LicenceRegister
from vetting.models import OrganisationRisk, PostingAssessment, ReviewDecision
from vetting.results import AdInput, CostToWorker, Finding, VettingResult
from vetting.risk import AdSummary, organisation_risk
from vetting.scorer import Scorer
from vetting.wording import RiskText, line_text

_lock = threading.Lock()
_scorers: dict[str, Scorer] = {}
_registers: dict[str, LicenceRegister] = {}
# A reviewer's "clear" holds until new evidence raises the risk by this many points.
NEW_EVIDENCE_MARGIN = 10
DECISION_TIERS = {"clear": "vetted", "warn": "under_review", "suspend": "suspended",
                  "refer": "flagged"}


def blocking_findings(result: VettingResult) -> list[Finding]:
    """See VettingResult.blocking (vetting/results.py)."""
    return list(result.blocking)


class PublishBlocked(ValidationError):
    """The ad charges workers fees, keeps passports or similar, and cannot go out as is."""

    def __init__(self, result: VettingResult, text: str) -> None:
        first = blocking_findings(result)[0]
        super().__init__(field="description", reason=str(_l(
            "This ad cannot be published: %(why)s %(fix)s",
            why=_(first.explanation), fix=_(first.how_to_fix))))
        self.result, self.text = result, text


def get_scorer() -> Scorer:
    """The one scorer for the configured spaCy pipeline, built on first use."""
    name = current_app.config["SPACY_MODEL"]
    with _lock:
        if name not in _scorers:
            _scorers[name] = Scorer(model=name)
        return _scorers[name]


def licence_register() -> LicenceRegister:
    path = current_app.config["LICENCE_REGISTER"]
    with _lock:
        if path not in _registers:
            _registers[path] = LicenceRegister.from_yaml(Path(path))
        return _registers[path]


def ad_text(job: JobPosting) -> str:
    """The text that is scored; finding spans are offsets into it."""
    return "\n\n".join(part for part in (job.title, job.description, job.benefits) if part)


def wage_norms() -> dict[tuple[int, str | None], float]:
    """Median monthly wage (USD) per corridor and ISCO group, and per corridor (group None)."""
    from app.occupations.models import Occupation
    rows = db.session.execute(
        sa.select(JobPosting.corridor_id, Occupation.isco_group, JobPosting.wage_monthly_usd)
        .outerjoin(Occupation, JobPosting.occupation_id == Occupation.id)
        .where(JobPosting.wage_monthly_usd.is_not(None)))
    groups: dict[tuple[int, str | None], list[float]] = {}
    for corridor_id, isco, usd in rows:
        groups.setdefault((corridor_id, isco), []).append(float(usd))
        groups.setdefault((corridor_id, None), []).append(float(usd))
    # A norm needs a few ads behind it; fewer would make one ad its own yardstick.
    return {key: statistics.median(values) for key, values in groups.items() if len(values) >= 5}


def ad_input(job: JobPosting, norms: dict[tuple[int, str | None], float]) -> AdInput:
    corridor_id = job.corridor_id or (job.corridor.id if job.corridor else None)
    isco = job.occupation.isco_group if job.occupation else None
    norm = norms.get((corridor_id, isco)) or norms.get((corridor_id, None))
    costs = tuple(CostToWorker(c.item, float(c.amount) if c.amount is not None else None,
                               c.currency) for c in job.costs if c.payer == "worker")
    return AdInput(
        text=ad_text(job), kind="job_ad", hours_per_week=job.hours_per_week,
        wage_amount=float(job.wage_amount) if job.wage_amount is not None else None,
        wage_monthly=float(job.wage_monthly_usd) if job.wage_monthly_usd is not None else None,
        corridor_norm_monthly=norm if job.wage_monthly_usd is not None else None,
        licence_number=job.organisation.licence_number, costs_to_worker=costs,
        wage_currency=job.wage_currency, wage_period=job.wage_period,
        unstated=("hours",) if job.hours_per_week is None else ())


def assess(job: JobPosting) -> VettingResult:
    """Score a posting (saved or not) without storing anything."""
    return get_scorer().score(ad_input(job, wage_norms()))


def check_publishable(job: JobPosting) -> VettingResult:
    """The assessment of an ad about to be published; PublishBlocked on a critical finding."""
    result = assess(job)
    if blocking_findings(result):
        raise PublishBlocked(result, ad_text(job))
    return result


def _jsonable(value):
    return dataclasses.asdict(value)


def store_assessment(job: JobPosting, result: VettingResult) -> PostingAssessment:
    """Keep the latest assessment of a posting (in the caller's transaction)."""
    assessment = db.session.scalar(sa.select(PostingAssessment)
                                   .where(PostingAssessment.job_id == job.id))
    if assessment is None:
        assessment = PostingAssessment(job_id=job.id)
        db.session.add(assessment)
    assessment.status, assessment.message, assessment.score = (
        result.status, result.message, result.score)
    assessment.critical = len(blocking_findings(result))
    assessment.findings = [_jsonable(f) for f in result.findings]
    assessment.contributions = [_jsonable(c) for c in result.contributions]
    assessment.fraud_probability = result.fraud.probability if result.fraud else None
    assessment.scored_text, assessment.scored_at = ad_text(job), utcnow()
    return assessment


def refresh_organisation_risk(organisation: Organisation) -> OrganisationRisk:
    """Recompute an organisation's risk from stored evidence and update its tier."""
    check = licence_register().check(organisation.licence_number, organisation.name, today())
    ads = [AdSummary(a.job_id, a.score, a.critical, title) for a, title in db.session.execute(
        sa.select(PostingAssessment, JobPosting.title).join(JobPosting)
        .where(JobPosting.organisation_id == organisation.id))]
    # Grievances linked by a reviewer: a verified finding counts fully, an unverified less;
    # worker reviews count while visible.
    result = organisation_risk(organisation.kind, check.status, check.message, ads,
                               organisation_grievances(organisation.id),
                               organisation_reviews(organisation.id))
    risk = db.session.scalar(sa.select(OrganisationRisk)
                             .where(OrganisationRisk.organisation_id == organisation.id))
    if risk is None:
        risk = OrganisationRisk(organisation_id=organisation.id)
        db.session.add(risk)
    risk.score, risk.suggested_tier = result.score, result.suggested_tier
    risk.lines = [dataclasses.asdict(line) for line in result.lines]
    risk.licence_status, risk.licence_note, risk.computed_at = check.status, check.note, utcnow()
    risk.licence_params = check.message
    _apply_tier(organisation, risk)
    return risk


def _apply_tier(organisation: Organisation, risk: OrganisationRisk) -> None:
    """The computed tier, unless a reviewer's decision still stands."""
    last = db.session.scalar(sa.select(ReviewDecision)
                             .where(ReviewDecision.organisation_id == organisation.id)
                             .order_by(ReviewDecision.created_at.desc(),
                                       ReviewDecision.id.desc()).limit(1))
    tier = risk.suggested_tier
    if last is not None and last.decision in ("suspend", "refer"):
        tier = last.tier_after  # only a reviewer lifts a suspension or a referral
    elif last is not None and last.decision == "clear" and \
            risk.score < last.risk_score + NEW_EVIDENCE_MARGIN:
        tier = "vetted"
    if tier != organisation.tier:
        audit.record(None, "organisation.tier_changed", organisation, reason=(
            "recomputed from evidence"), before=organisation.tier, after=tier, score=risk.score)
        organisation.tier = tier


def rescore_all(progress: Callable[[Iterable, int], Iterable] | None = None,
                batch_size: int = 64) -> dict[str, int]:
    """Reassess every posting (spaCy in batches), then every organisation's risk."""
    norms = wage_norms()
    jobs = list(db.session.scalars(sa.select(JobPosting).order_by(JobPosting.id)))
    results = get_scorer().iter_scores((ad_input(job, norms) for job in jobs),
                                       batch_size=batch_size)
    pairs = zip(jobs, results)
    for job, result in (progress(pairs, len(jobs)) if progress else pairs):
        store_assessment(job, result)
    db.session.flush()
    organisations = list(db.session.scalars(sa.select(Organisation)))
    for organisation in organisations:
        refresh_organisation_risk(organisation)
    db.session.commit()
    return {"postings": len(jobs), "organisations": len(organisations)}


def risk_reasons(risk: OrganisationRisk | None) -> list[RiskText]:
    """The plain-language reasons for an organisation's tier: each line that adds points.
    str() words a reason in the reader's language, `.english` in English."""
    return [line_text(line) for line in (risk.lines if risk else []) if line["points"] > 0]


def public_summary(organisation: Organisation, job: JobPosting | None = None) -> dict:
    """What a worker is told: the tier, why, and what this ad itself says (plain words)."""
    risk = db.session.scalar(sa.select(OrganisationRisk)
                             .where(OrganisationRisk.organisation_id == organisation.id))
    assessment = None if job is None else db.session.scalar(
        sa.select(PostingAssessment).where(PostingAssessment.job_id == job.id))
    findings = assessment.findings if assessment else []
    return {
        "tier": organisation.tier,
        "reasons": risk_reasons(risk),
        "licence_status": risk.licence_status if risk else None,
        "risks": [f for f in findings if f["direction"] == "risk"],
        "good": [f for f in findings if f["direction"] == "good_practice"],
        "scored": assessment is not None and assessment.score is not None,
        "message": assessment.message if assessment else "",
    }
