"""Claims on organisations listed from job sources: a registered employer or agency shows
that a listing is theirs (a licence the register holds in the listed name, which is also
their own licence, and a note); a reviewer or admin approves or refuses it with a reason.
Approval moves the listing's job ads, with their provenance, to the claimant, and later
runs put that employer's new ads there too.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import audit
from app.accounts.models import ADMIN, REVIEWER, User
from app.aggregation.models import (CLAIM_APPROVED, CLAIM_PENDING, CLAIM_REFUSED,
                                    OrganisationClaim, PostingProvenance)
from app.errors import NotFound, PermissionDenied, get_or_not_found
from app.extensions import db
from app.jobs.models import JobPosting
from app.organisations.models import Organisation
from app.timeutil import today, utcnow
from app.validation import InputReader
from vetting import services as vetting
from vetting.licences import VALID

DECISIONS = ("approve", "refuse")
DECIDERS = (REVIEWER, ADMIN)


def _number_key(number: str | None) -> str:
    """Licence numbers compare without case, spaces or punctuation (as the register does)."""
    return re.sub(r"[^0-9a-z]", "", (number or "").lower())


def is_listed(organisation: Organisation) -> bool:
    """Listed from job sources: nobody has registered it, and sources name it."""
    if organisation.members:
        return False
    return bool(db.session.scalar(
        sa.select(sa.func.count()).select_from(PostingProvenance).join(JobPosting)
        .where(JobPosting.organisation_id == organisation.id))) or bool(db.session.scalar(
            sa.select(sa.func.count()).select_from(OrganisationClaim)
            .where(OrganisationClaim.listed_id == organisation.id)))


def claimant_of(listed_id: int) -> int | None:
    """The organisation an approved claim gave this listing to, if any."""
    return db.session.scalar(sa.select(OrganisationClaim.claimant_id).where(
        OrganisationClaim.listed_id == listed_id, OrganisationClaim.status == CLAIM_APPROVED))


def _member_organisation(actor: User) -> Organisation:
    if not actor.is_org_member or actor.organisation is None:
        raise PermissionDenied()
    return actor.organisation


def claimable(actor: User, listed_id: int) -> Organisation:
    """The listed organisation the actor's organisation may claim; NotFound otherwise."""
    _member_organisation(actor)
    listed = db.session.get(Organisation, listed_id)
    if listed is None or not is_listed(listed) or claimant_of(listed.id) is not None:
        raise NotFound()
    return listed


def request_claim(actor: User, listed_id: int, data: Mapping[str, Any]) -> OrganisationClaim:
    """File a claim; the licence must be in the register in the listed name, active, and
    be the claimant's own licence on FairCorridor."""
    claimant = _member_organisation(actor)
    listed = claimable(actor, listed_id)
    reader = InputReader(data)
    number = reader.text("licence_number", max_len=100)
    note = reader.text("note", max_len=2000, min_len=10)
    check = None
    if number:
        check = vetting.licence_register().check(number, listed.name, today())
        if check.status != VALID:
            reader.error("licence_number", _l("does not prove this listing is yours: %(why)s",
                                              why=check.note))
        elif _number_key(number) != _number_key(claimant.licence_number):
            reader.error("licence_number", _l("must be the licence in your organisation's "
                                              "details (edit them first)"))
    pending = db.session.scalar(sa.select(OrganisationClaim.id).where(
        OrganisationClaim.listed_id == listed.id, OrganisationClaim.claimant_id == claimant.id,
        OrganisationClaim.status == CLAIM_PENDING))
    if pending:
        reader.error("licence_number", _l("your organisation has already claimed this "
                                          "listing; a reviewer will decide"))
    reader.finish()
    claim = OrganisationClaim(listed=listed, claimant=claimant, requested_by_id=actor.id,
                              licence_number=number, note=note, register_note=check.note)
    db.session.add(claim)
    audit.record(actor, "organisation.claim_requested", claim, listed=listed.name,
                 claimant=claimant.name, licence_number=number)
    db.session.commit()
    return claim


def my_claims(actor: User) -> list[OrganisationClaim]:
    """The actor's organisation's claims, newest first, with their decisions."""
    claimant = _member_organisation(actor)
    return list(db.session.scalars(sa.select(OrganisationClaim).where(
        OrganisationClaim.claimant_id == claimant.id).order_by(OrganisationClaim.id.desc())))


def _decider(actor: User) -> None:
    if actor.role not in DECIDERS:
        raise PermissionDenied()


def claim_queue(actor: User) -> list[OrganisationClaim]:
    """Pending claims first (oldest first), then the latest decided ones."""
    _decider(actor)
    pending = db.session.scalars(sa.select(OrganisationClaim).where(
        OrganisationClaim.status == CLAIM_PENDING).order_by(OrganisationClaim.id))
    decided = db.session.scalars(sa.select(OrganisationClaim).where(
        OrganisationClaim.status != CLAIM_PENDING)
        .order_by(OrganisationClaim.decided_at.desc()).limit(50))
    return [*pending, *decided]


def get_claim(actor: User, claim_id: int) -> OrganisationClaim:
    _decider(actor)
    return get_or_not_found(OrganisationClaim, claim_id)


def listed_jobs(claim: OrganisationClaim) -> list[JobPosting]:
    """The job ads of the listing (what approval would move)."""
    return list(db.session.scalars(sa.select(JobPosting).where(
        JobPosting.organisation_id == claim.listed_id).order_by(JobPosting.id)))


def decide_claim(actor: User, claim_id: int, data: Mapping[str, Any]) -> OrganisationClaim:
    """Approve (move the listing's ads to the claimant) or refuse, with a reason."""
    claim = get_claim(actor, claim_id)
    reader = InputReader(data)
    decision = reader.choice("decision", DECISIONS)
    reason = reader.text("reason", max_len=2000, min_len=5)
    if claim.status != CLAIM_PENDING:
        reader.error("decision", _l("this claim was already decided"))
    elif decision == "approve" and claimant_of(claim.listed_id) is not None:
        reader.error("decision", _l("another claim on this listing was approved"))
    reader.finish()
    claim.decided_by_id, claim.decided_at, claim.reason = actor.id, utcnow(), reason
    if decision == "refuse":
        claim.status = CLAIM_REFUSED
        audit.record(actor, "organisation.claim_refused", claim, reason=reason,
                     listed=claim.listed.name, claimant=claim.claimant.name)
    else:
        _approve(actor, claim, reason)
    db.session.commit()
    return claim


def _approve(actor: User, claim: OrganisationClaim, reason: str) -> None:
    listed, claimant = claim.listed, claim.claimant
    jobs = listed_jobs(claim)
    for job in jobs:  # provenance rows belong to the job, so they move with it
        job.organisation = claimant
    claim.status, claim.moved_jobs = CLAIM_APPROVED, len(jobs)
    listed.description = str(_l("This listing was claimed by %(name)s; its job ads are "
                                "now theirs.", name=claimant.name))
    others = list(db.session.scalars(sa.select(OrganisationClaim).where(
        OrganisationClaim.listed_id == listed.id, OrganisationClaim.id != claim.id,
        OrganisationClaim.status == CLAIM_PENDING)))
    for other in others:
        other.status, other.decided_by_id, other.decided_at = CLAIM_REFUSED, actor.id, utcnow()
        other.reason = str(_l("Another organisation's claim on this listing was approved."))
    audit.record(actor, "organisation.claim_approved", claim, reason=reason,
                 listed=listed.name, claimant=claimant.name, moved_jobs=[j.id for j in jobs],
                 refused_claims=[o.id for o in others])
    db.session.flush()
    vetting.refresh_organisation_risk(claimant)
    vetting.refresh_organisation_risk(listed)


def claim_values(data: Mapping[str, Any] | None, actor: User) -> dict:
    """The claim form's values: what was sent, else the claimant's licence number."""
    if data:
        return dict(data)
    organisation = _member_organisation(actor)
    return {"licence_number": organisation.licence_number or "", "note": ""}

