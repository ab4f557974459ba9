"""The warning a worker sees before applying to a risky recruiter, and the rule behind it.

A recruiter is risky when vetting flagged it, a reviewer suspended it, or it has no valid
licence (none, expired, revoked, or not in the register): ILO General Principles,
operational guideline 17, labour recruiters operate within a licensing system. The worker
may still apply, but only after seeing why, the licence check, where to report, and jobs of
vetted recruiters in the same occupation and corridor.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from app.errors import DomainError
from app.extensions import db
from app.jobs.models import JobPosting
from app.jobs.services import CARD_OPTIONS, visible_jobs
from app.organisations.models import Organisation
from vetting.models import OrganisationRisk
from vetting.services import risk_reasons
from vetting.wording import RiskText, licence_text

RISKY_TIERS = ("flagged", "suspended")
VALID_LICENCE = "valid"
SAFER_JOBS = 5


@dataclass
class ApplyWarning:
    """Why applying to this job's recruiter is risky, and what the worker could do instead."""

    job: JobPosting
    tier: str
    licence_status: str  # as the licence register answered: valid, expired, none...
    licence_note: RiskText | None
    reasons: list[RiskText] = field(default_factory=list)
    safer_jobs: list[JobPosting] = field(default_factory=list)
    same_work: bool = True  # whether the safer jobs are in the job's own occupation

    @property
    def unlicensed(self) -> bool:
        return self.licence_status != VALID_LICENCE


class WarningNotConfirmed(DomainError):
    """The worker has not yet seen and confirmed the warning about this recruiter."""

    def __init__(self, warning: ApplyWarning) -> None:
        super().__init__(f"job {warning.job.id}: the recruiter warning is not confirmed")
        self.warning = warning


def _risk(organisation: Organisation) -> OrganisationRisk | None:
    return db.session.scalar(sa.select(OrganisationRisk)
                             .where(OrganisationRisk.organisation_id == organisation.id))


def apply_warning(job: JobPosting) -> ApplyWarning | None:
    """The warning to show before applying to `job`, or None when its recruiter is not risky.

    The licence status is the register's answer stored with the organisation's risk; an
    organisation never checked yet is judged by its own licence fields.
    """
    organisation = job.organisation
    risk = _risk(organisation)
    status = risk.licence_status if risk is not None else organisation.licence_status
    if organisation.tier not in RISKY_TIERS and status == VALID_LICENCE:
        return None
    same = safer_jobs(job, same_occupation=True) if job.occupation_id is not None else []
    return ApplyWarning(job=job, tier=organisation.tier, licence_status=status,
                        licence_note=licence_text(risk) if risk is not None else None,
                        reasons=risk_reasons(risk), same_work=bool(same),
                        safer_jobs=same or safer_jobs(job, same_occupation=False))


def safer_jobs(job: JobPosting, *, same_occupation: bool,
               limit: int = SAFER_JOBS) -> list[JobPosting]:
    """Open jobs of vetted recruiters in the job's corridor (and occupation), best paid
    first."""
    stmt = (visible_jobs()
            .where(JobPosting.corridor_id == job.corridor_id, JobPosting.id != job.id,
                   Organisation.tier == "vetted")
            .options(*CARD_OPTIONS)
            .order_by(JobPosting.wage_monthly_usd.desc().nulls_last(), JobPosting.id)
            .limit(limit))
    if same_occupation:
        stmt = stmt.where(JobPosting.occupation_id == job.occupation_id)
    return list(db.session.scalars(stmt))
