"""Organisation services: registration fields, editing, and what the public may see."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import audit
from app.accounts.models import User
from app.errors import PermissionDenied, get_or_not_found
from app.extensions import db
from app.jobs.models import RECEIVED, Application, JobPosting
from app.organisations.models import KINDS, Organisation
from app.validation import InputReader
from vetting import services as vetting


def read_organisation(reader: InputReader, *, current: Organisation | None = None) -> dict:
    """Read and check an organisation's fields; errors are left in `reader`."""
    fields = {
        "name": reader.text("org_name", max_len=200, min_len=2),
        "kind": reader.choice("kind", KINDS) if current is None else current.kind,
        "country": reader.country("country"),
        "licence_number": reader.text("licence_number", required=False, max_len=100),
        "licence_authority": reader.text("licence_authority", required=False, max_len=200),
        "licence_expiry": reader.date("licence_expiry", required=False),
        "website": reader.text("website", required=False, max_len=300) or "",
        "description": reader.text("description", required=False, max_len=5000) or "",
    }
    website = fields["website"]
    if website and not website.startswith(("https://", "http://")):
        reader.error("website", _l("must start with https://"))
    if fields["licence_number"] and not fields["licence_authority"]:
        reader.error("licence_authority", _l("is required when a licence number is given"))
    if fields["licence_number"] and not fields["licence_expiry"]:
        reader.error("licence_expiry", _l("is required when a licence number is given"))
    if fields["kind"] == "agency" and not fields["licence_number"]:
        # ILO General Principles: labour recruiters operate under a licence or registration.
        reader.error("licence_number", _l("is required for a recruitment agency"))
    name = fields["name"]
    taken = db.session.scalar(sa.select(Organisation).where(
        sa.func.lower(Organisation.name) == (name or "").lower()))
    if name and taken and (current is None or taken.id != current.id):
        if taken.members:
            reader.error("org_name", _l("is already registered"))
        else:  # named by job sources: see app/aggregation/claims.py
            reader.error("org_name", _l("is listed from job sources but not registered: "
                                        "register under another form of the name, then "
                                        "claim the listing from its page"))
    return fields


def new_organisation(fields: dict) -> Organisation:
    organisation = Organisation(**fields)
    db.session.add(organisation)
    return organisation


def organisation_of(actor: User) -> Organisation:
    """The organisation the actor belongs to, or PermissionDenied."""
    if not actor.is_org_member or actor.organisation is None:
        raise PermissionDenied()
    return actor.organisation


def applicant_counts(actor: User) -> dict[int, tuple[int, int]]:
    """For each of the actor's organisation's jobs with applicants: (new, total). "New" is
    an application nobody in the organisation has acted on yet (still received)."""
    organisation = organisation_of(actor)
    rows = db.session.execute(
        sa.select(Application.job_id,
                  sa.func.count(sa.case((Application.status == RECEIVED, 1))),
                  sa.func.count(Application.id))
        .join(JobPosting, JobPosting.id == Application.job_id)
        .where(JobPosting.organisation_id == organisation.id)
        .group_by(Application.job_id))
    return {job_id: (new, total) for job_id, new, total in rows}


def update_organisation(actor: User, data: Mapping[str, Any]) -> Organisation:
    organisation = organisation_of(actor)
    reader = InputReader(data)
    fields = read_organisation(reader, current=organisation)
    reader.finish()
    changed = {k: str(v) for k, v in fields.items() if getattr(organisation, k) != v}
    for key, value in fields.items():
        setattr(organisation, key, value)
    if changed:
        audit.record(actor, "organisation.updated", organisation, changed=changed)
        vetting.refresh_organisation_risk(organisation)
    db.session.commit()
    return organisation


def get_organisation(organisation_id: int) -> Organisation:
    return get_or_not_found(Organisation, organisation_id)


def list_organisations(corridor_id: int | None = None) -> list[Organisation]:
    stmt = sa.select(Organisation).order_by(Organisation.name)
    if corridor_id is not None:
        stmt = stmt.where(Organisation.id.in_(
            sa.select(JobPosting.organisation_id).where(JobPosting.corridor_id == corridor_id)))
    return list(db.session.scalars(stmt))


def organisation_as_input(organisation: Organisation) -> dict:
    """The organisation's values in the shape read_organisation accepts."""
    expiry = organisation.licence_expiry
    return {
        "org_name": organisation.name, "kind": organisation.kind,
        "country": organisation.country, "licence_number": organisation.licence_number or "",
        "licence_authority": organisation.licence_authority or "",
        "licence_expiry": expiry.isoformat() if expiry else "",
        "website": organisation.website, "description": organisation.description,
    }
