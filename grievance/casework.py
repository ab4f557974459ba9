"""The reviewers' inbox: triage, assignment, status with reasons, replies, links, verification.

Every action is audited (who, what, why). Reasons are shown to the reporter and kept
in clear in the audit log, so the forms ask reviewers not to repeat the report in them.
Linking a case to an organisation and verifying a finding feed vetting's risk score.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from nacl.public import PrivateKey

from app import audit
from app.accounts.models import REVIEWER, User
from app.errors import DomainError, NotFound, PermissionDenied, get_or_not_found
from app.extensions import db
from app.organisations.models import Organisation
from app.timeutil import today
from app.validation import InputReader
from grievance.models import (CATEGORIES, OPEN_STATUSES, REJECTED, REVIEWER_SIDE, STATUSES,
                              TRANSITIONS, GrievanceAttachment, GrievanceCase,
                              GrievanceStatusChange)
from grievance.services import add_message
from grievance.thread import CaseView, FileInfo, open_attachment, read_case
from vetting.services import refresh_organisation_risk

INBOX_FILTERS = ("open", "mine", "all", *STATUSES)
INBOX_LIMIT = 200


class KeyLocked(DomainError):
    """The reviewer has not unlocked the reviewers' key in this session."""


def _require_reviewer(actor: User) -> None:
    if actor.role != REVIEWER:
        raise PermissionDenied()


def _case(actor: User, case_id: int) -> GrievanceCase:
    _require_reviewer(actor)
    return get_or_not_found(GrievanceCase, case_id)


def inbox(actor: User, which: str, private: PrivateKey | None) -> list[CaseView]:
    """Cases for the inbox, newest first: open ones by default, or mine, all, or one status."""
    _require_reviewer(actor)
    query = sa.select(GrievanceCase)
    if which == "mine":
        query = query.where(GrievanceCase.assignee_id == actor.id,
                            GrievanceCase.status.in_(OPEN_STATUSES))
    elif which in STATUSES:
        query = query.where(GrievanceCase.status == which)
    elif which != "all":
        query = query.where(GrievanceCase.status.in_(OPEN_STATUSES))
    cases = db.session.scalars(query.order_by(GrievanceCase.received_on.desc(),
                                              GrievanceCase.id.desc()).limit(INBOX_LIMIT))
    return [read_case(case, private) for case in cases]


def reviewer_case(actor: User, case_id: int, private: PrivateKey | None) -> CaseView:
    return read_case(_case(actor, case_id), private)


def case_history(actor: User, case_id: int) -> list:
    return audit.history(_case(actor, case_id))


def reviewers() -> list[User]:
    return list(db.session.scalars(sa.select(User).where(
        User.role == REVIEWER, User.active.is_(True)).order_by(User.display_name)))


def _reason(reader: InputReader) -> str | None:
    return reader.text("reason", max_len=2000, min_len=5)


def _refresh(*organisations: Organisation | None) -> None:
    for organisation in {o for o in organisations if o is not None}:
        refresh_organisation_risk(organisation)


def change_status(actor: User, case_id: int, data: Mapping[str, Any]) -> GrievanceCase:
    """Move a case one step (received → triaged → investigating → resolved/referred/rejected)."""
    case = _case(actor, case_id)
    reader = InputReader(data)
    status = reader.choice("status", TRANSITIONS.get(case.status) or ("-",))
    reason = _reason(reader)
    reader.finish()
    before = case.status
    case.status, case.updated_on = status, today()
    case.status_changes.append(GrievanceStatusChange(before=before, after=status, reason=reason,
                                                     actor_role=actor.role))
    audit.record(actor, "grievance.status_changed", case, reason=reason, before=before,
                 after=status)
    if REJECTED in (before, status):  # a rejected case stops counting in vetting
        _refresh(case.organisation)
    db.session.commit()
    return case


def assign_case(actor: User, case_id: int, data: Mapping[str, Any]) -> GrievanceCase:
    """Give the case to a reviewer (or to no one)."""
    case = _case(actor, case_id)
    reader = InputReader(data)
    choice = reader.choice("assignee", ["", *(str(r.id) for r in reviewers())], required=False)
    reader.finish()
    before, case.assignee_id = case.assignee_id, int(choice) if choice else None
    audit.record(actor, "grievance.assigned", case, before=before, after=case.assignee_id)
    db.session.commit()
    return case


def classify(actor: User, case_id: int, data: Mapping[str, Any]) -> GrievanceCase:
    """Record what the case is about, for statistics: only this label leaves the sealed report."""
    case = _case(actor, case_id)
    reader = InputReader(data)
    category = reader.choice("category", CATEGORIES)
    reader.finish()
    before, case.category = case.category, category
    audit.record(actor, "grievance.classified", case, before=before, after=category)
    db.session.commit()
    return case


def reply(actor: User, case_id: int, data: Mapping[str, Any]) -> GrievanceCase:
    """Answer the reporter; they see the words and the role that wrote them, never a name."""
    case = _case(actor, case_id)
    add_message(case, REVIEWER_SIDE, actor.role, data, [])
    audit.record(actor, "grievance.replied", case)
    db.session.commit()
    return case


def link_organisation(actor: User, case_id: int, data: Mapping[str, Any]) -> GrievanceCase:
    """Say which organisation the case is about; an unverified case counts a little in vetting."""
    case = _case(actor, case_id)
    reader = InputReader(data)
    organisation_id = reader.integer("organisation", required=False, minimum=1,
                                     maximum=2**31 - 1)
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    if organisation_id and organisation is None:
        reader.error("organisation", _l("is not in the register"))
    reason = _reason(reader)
    reader.finish()
    before = case.organisation
    case.organisation = organisation
    if organisation is None:
        case.verified = False  # a finding is always about someone
    audit.record(actor, "grievance.organisation_linked", case, reason=reason,
                 before=before.id if before else None, after=organisation_id)
    db.session.flush()
    _refresh(before, organisation)
    db.session.commit()
    return case


def set_verified(actor: User, case_id: int, data: Mapping[str, Any]) -> GrievanceCase:
    """Mark the findings verified (or not): a verified case weighs fully in vetting's risk."""
    case = _case(actor, case_id)
    reader = InputReader(data)
    verified = reader.boolean("verified")
    reason = _reason(reader)
    if verified and case.organisation is None:
        reader.error("verified", _l("needs the case linked to an organisation first"))
    if verified and case.status == REJECTED:
        reader.error("verified", _l("is not possible for a rejected case"))
    reader.finish()
    before, case.verified = case.verified, verified
    audit.record(actor, "grievance.finding_verified" if verified else
                 "grievance.finding_unverified", case, reason=reason, before=before,
                 after=verified)
    db.session.flush()
    _refresh(case.organisation)
    db.session.commit()
    return case


def attachment(actor: User, case_id: int, attachment_id: int,
               private: PrivateKey | None) -> tuple[FileInfo, bytes]:
    """A decrypted file of the case, for a reviewer who has unlocked the key."""
    case = _case(actor, case_id)
    found = db.session.get(GrievanceAttachment, attachment_id)
    if found is None or found.case_id != case.id:
        raise NotFound()
    if private is None:
        raise KeyLocked()
    return open_attachment(private, found)
