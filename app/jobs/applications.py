"""Application services: a worker applies and withdraws; an organisation moves the workflow."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import audit
from app.accounts.models import WORKER, User
from app.errors import Conflict, NotFound, PermissionDenied, ValidationError
from app.extensions import db
from app.jobs import caution
from app.jobs.models import EMPLOYER_TRANSITIONS, WITHDRAWN, Application, JobPosting
from app.jobs.services import get_public_job, job_for_member
from app.validation import InputReader


# The form field by which a worker confirms having read the warning about a recruiter.
CONFIRM_FIELD = "understood_warning"


def apply_to_job(actor: User, job_id: int, data: Mapping[str, Any]) -> Application:
    """A worker applies once to an open posting, with an optional message.

    To a flagged, suspended or unlicensed recruiter only after seeing why (app/jobs/
    caution.py): without the confirmation, WarningNotConfirmed carries the warning to show.
    """
    if actor.role != WORKER:
        raise PermissionDenied()
    job = get_public_job(job_id)
    reader = InputReader(data)
    message = reader.text("message", required=False, max_len=3000) or ""
    if not job.is_open:
        reader.error("job", _l("this job no longer takes applications"))
    reader.finish()
    existing = db.session.scalar(sa.select(Application).where(
        Application.job_id == job.id, Application.worker_id == actor.id))
    if existing is not None:
        raise Conflict(str(_l("you have already applied to this job")))
    warning = caution.apply_warning(job)
    if warning is not None and data.get(CONFIRM_FIELD) != "yes":
        raise caution.WarningNotConfirmed(warning)
    application = Application(job=job, worker=actor, message=message)
    db.session.add(application)
    # A reviewer may ask whether the worker applied despite a warning about the recruiter.
    audit.record(actor, "application.submitted", application, job_id=job.id,
                 **({"warned": warning.tier, "licence": warning.licence_status}
                    if warning is not None else {}))
    db.session.commit()
    return application


def worker_applications(actor: User) -> list[Application]:
    if actor.role != WORKER:
        raise PermissionDenied()
    return list(db.session.scalars(sa.select(Application)
                                   .where(Application.worker_id == actor.id)
                                   .order_by(Application.created_at.desc())))


def organisation_application(actor: User, application_id: int) -> Application:
    """An application to one of the actor's organisation's postings; others are NotFound."""
    application = db.session.get(Application, application_id)
    if (application is None or not actor.is_org_member
            or application.job.organisation_id != actor.organisation_id):
        raise NotFound()
    return application


def worker_application(actor: User, application_id: int) -> Application:
    """One of the actor's own applications; anyone else's is NotFound."""
    application = db.session.get(Application, application_id)
    if application is None or application.worker_id != actor.id:
        raise NotFound()
    return application


def withdraw_application(actor: User, application_id: int) -> Application:
    application = worker_application(actor, application_id)
    if application.is_final:
        raise ValidationError(field="status", reason=str(_l("this application is already closed")))
    before = application.status
    application.status = WITHDRAWN
    audit.record(actor, "application.status_changed", application, before=before,
                 after=WITHDRAWN)
    db.session.commit()
    return application


def job_applicants(actor: User, job_id: int) -> tuple[JobPosting, list[Application]]:
    job = job_for_member(actor, job_id)
    applications = list(db.session.scalars(sa.select(Application)
                                           .where(Application.job_id == job.id)
                                           .order_by(Application.created_at)))
    return job, applications


def allowed_moves(application: Application) -> tuple[str, ...]:
    return EMPLOYER_TRANSITIONS.get(application.status, ())


def move_application(actor: User, application_id: int, data: Mapping[str, Any]) -> Application:
    """An organisation member moves an application one step in the workflow, with a reason."""
    application = organisation_application(actor, application_id)
    reader = InputReader(data)
    status = reader.choice("status", allowed_moves(application) or ("-",))
    reason = reader.text("reason", required=False, max_len=2000) or ""
    if status == "rejected" and not reason:
        reader.error("reason", _l("is required when rejecting, so the worker learns why"))
    reader.finish()
    before = application.status
    application.status = status
    audit.record(actor, "application.status_changed", application, reason=reason,
                 before=before, after=status)
    db.session.commit()
    return application
