"""Interview services: an organisation proposes slots, the candidate chooses one or asks
for others, either side reschedules or cancels with a reason, the organisation records
the outcome; invitations and the video room are for the two sides only."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app import audit
from app.accounts.models import User
from app.errors import NotFound, PermissionDenied, ValidationError
from app.extensions import db
from app.interviews.calendar import Invitation, build_invitation
from app.interviews.models import (CANCELLED, COMPLETED, OPEN_STATUSES, OTHER_TIMES, PROPOSED,
                                   SCHEDULED, Interview, InterviewSlot)
from app.interviews.slots import iso, read_proposal
from app.interviews.tokens import JitsiSettings, join_window, mint_token, new_room_name
from app.jobs.applications import move_application, organisation_application, worker_application
from app.jobs.models import (INTERVIEW, OFFERED, RECEIVED, REJECTED, SHORTLISTED, Application,
                             JobPosting)
from app.timeutil import utcnow
from app.validation import InputReader

CANDIDATE, ORGANISATION = "worker", "organisation"
OUTCOMES = (OFFERED, REJECTED)
# Proposing times is how an organisation invites a candidate to interview, so it is open
# from the moment an application arrives, not only after moving it there by hand.
PROPOSABLE_FROM = (RECEIVED, SHORTLISTED, INTERVIEW)
MAX_ID = 2**31 - 1  # larger ids cannot exist, and would overflow the database's integer


@dataclass(frozen=True)
class Party:
    """An interview as seen by one of its two sides."""

    interview: Interview
    side: str  # CANDIDATE or ORGANISATION

    @property
    def is_candidate(self) -> bool:
        return self.side == CANDIDATE


def application_for(actor: User, application_id: int) -> Application:
    """The application, if the actor is its worker or in its organisation; else NotFound."""
    if not 0 < application_id <= MAX_ID:
        raise NotFound()
    if actor.is_org_member:
        return organisation_application(actor, application_id)
    return worker_application(actor, application_id)


def interview_for(actor: User, interview_id: int, side: str | None = None) -> Party:
    """The interview, for its candidate or its organisation's members only (NotFound for
    everyone else); PermissionDenied when `side` is given and the actor is the other one."""
    interview = db.session.get(Interview, interview_id) if 0 < interview_id <= MAX_ID else None
    if interview is None:
        raise NotFound()
    application_for(actor, interview.application_id)
    party = Party(interview, ORGANISATION if actor.is_org_member else CANDIDATE)
    if side is not None and party.side != side:
        raise PermissionDenied()
    return party


def application_interviews(actor: User, application_id: int) -> list[Interview]:
    """Every interview of one application, newest first, for its two sides."""
    return _interviews_of(application_for(actor, application_id).id)


def _interviews_of(application_id: int) -> list[Interview]:
    return list(db.session.scalars(
        sa.select(Interview).where(Interview.application_id == application_id)
        .order_by(Interview.created_at.desc(), Interview.id.desc())))


def open_interviews(actor: User, application_ids: list[int]) -> dict[int, Interview]:
    """The interview under way for each of these applications of the actor's
    organisation (one query for a whole list of applicants)."""
    if not actor.is_org_member or not application_ids:
        return {}
    rows = db.session.scalars(
        sa.select(Interview).join(Interview.application).join(Application.job)
        .where(Interview.application_id.in_(application_ids),
               Interview.status.in_(OPEN_STATUSES),
               JobPosting.organisation_id == actor.organisation_id))
    return {interview.application_id: interview for interview in rows}


def _check_open(reader: InputReader, interview: Interview, *, at_stage: bool = True) -> None:
    """An interview can change only while open, and (except to cancel) while the
    application is still at the interview stage."""
    if interview.status not in OPEN_STATUSES:
        reader.error("status", _l("this interview is already cancelled or held"))
    elif interview.application.is_final:
        reader.error("status", _l("this application is closed"))
    elif at_stage and interview.application.status != INTERVIEW:
        reader.error("status", _l("this application is no longer at the interview stage"))


def _leave_message(interview: Interview, actor: User, text: str) -> None:
    """What the other side sees as the latest word on this interview."""
    interview.reason = text
    interview.reason_by_id = actor.id if text else None


# --- the organisation's side ---

def can_propose(application: Application, under_way: bool | None = None) -> bool:
    """Whether an organisation may propose times now: the application is still before or
    at the interview stage, and has no interview under way (looked up unless known)."""
    if application.status not in PROPOSABLE_FROM:
        return False
    if under_way is None:
        under_way = any(i.is_open for i in _interviews_of(application.id))
    return not under_way


def propose_interview(actor: User, application_id: int, data: Mapping[str, Any]) -> Interview:
    """Propose up to five slots and open a room. An application not yet at the interview
    stage moves there with the proposal, in the same transaction and the audit log."""
    application = application_for(actor, application_id)
    if not actor.is_org_member:
        raise PermissionDenied()
    reader = InputReader(data)
    zone, slots = read_proposal(reader, data)
    message = reader.text("reason", required=False, max_len=2000) or ""
    if application.status not in PROPOSABLE_FROM:
        reader.error("application", _l("is past the interview stage or closed"))
    elif not can_propose(application):
        reader.error("application", _l("already has an interview under way; change that one"))
    reader.finish()
    interview = Interview(application=application, room=new_room_name(), timezone=zone,
                          created_by_id=actor.id, status=PROPOSED,
                          slots=[InterviewSlot(starts_at=s, ends_at=e) for s, e in slots])
    _leave_message(interview, actor, message)
    db.session.add(interview)
    if application.status != INTERVIEW:
        before, application.status = application.status, INTERVIEW
        audit.record(actor, "application.status_changed", application, before=before,
                     after=INTERVIEW, by="interview.proposed")
    audit.record(actor, "interview.proposed", interview, reason=message,
                 application_id=application.id, timezone=zone, slots=iso(slots))
    db.session.commit()
    return interview


def reschedule_interview(actor: User, interview_id: int, data: Mapping[str, Any]) -> Interview:
    """Replace the proposed slots; moving a scheduled interview needs a reason."""
    interview = interview_for(actor, interview_id, ORGANISATION).interview
    reader = InputReader(data)
    zone, slots = read_proposal(reader, data)
    reason = reader.text("reason", required=False, max_len=2000) or ""
    if interview.status == SCHEDULED and not reason:
        reader.error("reason", _l("is required to move a scheduled interview, so the "
                                  "candidate learns why"))
    _check_open(reader, interview)
    reader.finish()
    before = interview.status
    interview.slots = [InterviewSlot(starts_at=s, ends_at=e) for s, e in slots]
    interview.timezone, interview.status = zone, PROPOSED
    interview.starts_at = interview.ends_at = None
    interview.sequence += 1
    _leave_message(interview, actor, reason)
    audit.record(actor, "interview.rescheduled", interview, reason=reason, before=before,
                 timezone=zone, slots=iso(slots))
    db.session.commit()
    return interview


def record_outcome(actor: User, interview_id: int, data: Mapping[str, Any]) -> Interview:
    """After the interview: offer or reject, through the application workflow itself."""
    interview = interview_for(actor, interview_id, ORGANISATION).interview
    reader = InputReader(data)
    outcome = reader.choice("outcome", OUTCOMES)
    reason = reader.text("outcome_reason", required=False, max_len=2000) or ""
    if interview.status != SCHEDULED:
        reader.error("status", _l("only a scheduled interview can have an outcome"))
    elif interview.starts_at is None or interview.starts_at > utcnow():
        reader.error("outcome", _l("can be recorded once the interview has started"))
    _check_open(reader, interview)
    reader.finish()
    interview.status, interview.outcome = COMPLETED, outcome
    _leave_message(interview, actor, reason)
    audit.record(actor, "interview.outcome_recorded", interview, reason=reason, outcome=outcome)
    try:  # one transaction: move_application commits the interview's change with its own
        move_application(actor, interview.application_id, {"status": outcome, "reason": reason})
    except ValidationError as error:
        db.session.rollback()
        names = {"status": "outcome", "reason": "outcome_reason"}
        raise ValidationError({names.get(k, k): v for k, v in error.errors.items()}) from None
    return interview


# --- the candidate's side ---

def choose_slot(actor: User, interview_id: int, data: Mapping[str, Any]) -> Interview:
    """The candidate takes one of the proposed slots; the interview is scheduled."""
    interview = interview_for(actor, interview_id, CANDIDATE).interview
    reader = InputReader(data)
    slot_id = reader.integer("slot")
    slot = next((s for s in interview.slots if s.id == slot_id), None)
    if slot_id is not None and slot is None:
        reader.error("slot", _l("is not one of the proposed times"))
    elif slot is not None and slot.starts_at <= utcnow():
        reader.error("slot", _l("has already passed; ask for other times"))
    if interview.status != PROPOSED:
        reader.error("status", _l("there are no proposed times to choose from now"))
    _check_open(reader, interview)
    reader.finish()
    interview.status, interview.starts_at, interview.ends_at = SCHEDULED, slot.starts_at, \
        slot.ends_at
    interview.sequence += 1
    _leave_message(interview, actor, "")
    audit.record(actor, "interview.scheduled", interview, slot=iso([(slot.starts_at,
                                                                       slot.ends_at)])[0])
    db.session.commit()
    return interview


def request_other_times(actor: User, interview_id: int, data: Mapping[str, Any]) -> Interview:
    """None of the times suit (or a chosen one no longer does): ask for others, saying why."""
    interview = interview_for(actor, interview_id, CANDIDATE).interview
    reader = InputReader(data)
    message = reader.text("message", max_len=2000)
    if interview.status not in (PROPOSED, SCHEDULED):
        reader.error("status", _l("the employer is already choosing other times"))
    _check_open(reader, interview)
    reader.finish()
    before = interview.status
    interview.status, interview.starts_at, interview.ends_at = OTHER_TIMES, None, None
    interview.sequence += 1
    _leave_message(interview, actor, message)
    audit.record(actor, "interview.other_times_requested", interview, reason=message,
                 before=before)
    db.session.commit()
    return interview


# --- either side ---

def cancel_interview(actor: User, interview_id: int, data: Mapping[str, Any]) -> Interview:
    """Either side calls the interview off, with a reason the other side sees."""
    interview = interview_for(actor, interview_id).interview
    reader = InputReader(data)
    reason = reader.text("cancel_reason", max_len=2000)
    _check_open(reader, interview, at_stage=False)
    reader.finish()
    before = interview.status
    interview.status = CANCELLED
    interview.sequence += 1
    _leave_message(interview, actor, reason)
    audit.record(actor, "interview.cancelled", interview, reason=reason, before=before)
    db.session.commit()
    return interview


def invitation(actor: User, interview_id: int, page_url: str) -> bytes:
    """The iCalendar file for a scheduled (or since cancelled) interview, with its link."""
    interview = interview_for(actor, interview_id).interview
    if interview.starts_at is None or interview.ends_at is None or \
            interview.status not in (SCHEDULED, CANCELLED, COMPLETED):
        raise NotFound()
    application = interview.application
    organisation = application.job.organisation.name
    summary = str(_l("Video interview: %(job)s, %(organisation)s", job=application.job.title,
                     organisation=organisation))
    description = str(_l(
        "%(worker)s and %(organisation)s. Open the interview page at the time to join the "
        "video call: %(url)s\nFairCorridor never charges workers; no one may ask you for a "
        "fee for this interview.", worker=application.worker.display_name,
        organisation=organisation, url=page_url))
    host = urlsplit(page_url).hostname or "faircorridor"
    return build_invitation(Invitation(
        uid=f"interview-{interview.id}@{host}", starts_at=interview.starts_at,
        ends_at=interview.ends_at, summary=summary, description=description, url=page_url,
        sequence=interview.sequence, cancelled=interview.status == CANCELLED))


@dataclass(frozen=True)
class Room:
    """What the interview room page needs; the token is minted per request, never stored."""

    party: Party
    settings: JitsiSettings
    display_name: str
    opens_at: dt.datetime | None
    closes_at: dt.datetime | None
    is_open: bool
    token: str | None

    @property
    def name(self) -> str:
        return self.party.interview.room

    @property
    def browser_url(self) -> str:
        return self.settings.room_url(self.name, self.token)

    @property
    def app_url(self) -> str:
        return self.settings.app_url(self.name, self.token)


def join_room(actor: User, interview_id: int, settings: JitsiSettings,
              now: dt.datetime | None = None) -> Room:
    """The video room of a scheduled interview, open around its slot, for the two sides."""
    party = interview_for(actor, interview_id)
    interview, now = party.interview, now or utcnow()
    opens = closes = None
    if interview.starts_at is not None and interview.ends_at is not None:
        opens, closes = join_window(interview.starts_at, interview.ends_at)
    is_open = (interview.status == SCHEDULED and not interview.application.is_final
               and opens is not None and opens <= now <= closes)
    name = actor.display_name if party.is_candidate else \
        f"{actor.display_name} ({interview.application.job.organisation.name})"
    token = None
    if is_open and settings.signs_tokens:
        token = mint_token(settings, room=interview.room, user_id=str(actor.id), name=name,
                           moderator=not party.is_candidate, starts_at=interview.starts_at,
                           ends_at=interview.ends_at)
    return Room(party, settings, name, opens, closes, is_open, token)
