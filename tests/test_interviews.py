"""Video interviews: proposing slots across time zones, choosing, rescheduling, cancelling,
the outcome, and who may see any of it (the invitation and the room: test_interviews_room)."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import jwt
import pytest
import sqlalchemy as sa

from app.audit import AuditEntry
from app.extensions import db
from app.interviews.calendar import NonexistentLocalTime, local_to_utc
from app.interviews.models import CANCELLED, PROPOSED, SCHEDULED, Interview
from app.interviews.tokens import JitsiSettings, new_room_name
from app.jobs.models import Application
from app.timeutil import today, utcnow

APP_ID = "faircorridor"
SECRET = "a-test-only-secret-that-is-long-enough-for-hs256"
JWT_RE = re.compile(r'data-jwt="([^"]*)"')
ROOM_RE = re.compile(r'data-room="([^"]*)"')
NOT_FOUND = "This page does not exist, or you do not have access to it."


def day(offset: int = 10) -> str:
    return (today() + dt.timedelta(days=offset)).isoformat()


def slots_form(*rows: tuple[str, str, str], timezone: str = "Asia/Qatar", **extra) -> dict:
    """The proposal form as a browser sends it: one (date, start, end) per row."""
    data = {"timezone": timezone, **extra}
    for n, (date, start, end) in enumerate(rows, start=1):
        data.update({f"slots.{n}.date": date, f"slots.{n}.start": start,
                     f"slots.{n}.end": end})
    return data


@pytest.fixture
def cast(make):
    """Employer A's job, worker Sita (in Kathmandu) at the interview stage, A's member."""
    organisation = make.organisation("Lusail Builders")
    job = make.job(organisation, title="Scaffolder Doha")
    worker = make.user("worker", display_name="Sita Tamang", timezone="Asia/Kathmandu",
                       email="sita@example.org")
    application = make.application(job, worker, status="interview")
    employer = make.user("employer", organisation=organisation, display_name="Omar Haddad",
                         email="omar@example.org", timezone="Asia/Qatar")
    return {"organisation": organisation, "job": job, "worker": worker,
            "application": application, "employer": employer}


def as_user(auth, user) -> None:
    auth.logout()
    assert auth.login(user.email).status_code == 302


def propose(auth, application_id: int, data: dict):
    return auth.post(f"/org/applications/{application_id}/interviews/new", data)


def scheduled(cast, *, starts_in: dt.timedelta = dt.timedelta(days=3),
              length: dt.timedelta = dt.timedelta(hours=1)) -> Interview:
    """An interview already scheduled (possibly in the past), built directly."""
    starts_at = (utcnow() + starts_in).replace(second=0, microsecond=0)
    interview = Interview(application=cast["application"], room=new_room_name(),
                          timezone="Asia/Qatar", status=SCHEDULED, starts_at=starts_at,
                          ends_at=starts_at + length, created_by_id=cast["employer"].id)
    db.session.add(interview)
    db.session.commit()
    return interview


def actions(interview_id: int) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.object_type == "Interview", AuditEntry.object_id == interview_id)
        .order_by(AuditEntry.id)))


@pytest.fixture
def jitsi_tokens(app, monkeypatch):
    """Token authentication on, as for a self-hosted Jitsi."""
    monkeypatch.setitem(app.config, "JITSI_DOMAIN", "video.example.org")
    monkeypatch.setitem(app.config, "JITSI_APP_ID", APP_ID)
    monkeypatch.setitem(app.config, "JITSI_APP_SECRET", SECRET)
    monkeypatch.setitem(app.config, "JITSI_AUDIENCE", "jitsi")
    return JitsiSettings(domain="video.example.org", app_id=APP_ID, app_secret=SECRET)


# --- scheduling, across time zones ---

def test_slot_entered_in_qatar_shows_in_kathmandu_for_the_worker(client, auth, cast):
    as_user(auth, cast["employer"])
    response = propose(auth, cast["application"].id, slots_form((day(), "10:00", "11:00")))
    assert response.status_code == 302
    interview = db.session.scalar(sa.select(Interview))
    slot = interview.slots[0]
    stored = dt.datetime.fromisoformat(f"{day()}T07:00")  # 10:00 at UTC+03:00
    assert (slot.starts_at, slot.ends_at) == (stored, stored + dt.timedelta(hours=1))
    employer_view = client.get(f"/interviews/{interview.id}").get_data(as_text=True)
    assert "10:00–11:00 (Qatar Time, UTC+03:00)" in employer_view

    as_user(auth, cast["worker"])
    page = client.get(f"/interviews/{interview.id}").get_data(as_text=True)
    assert "12:45–13:45 (Nepal Time, UTC+05:45)" in page  # UTC+05:45
    assert "Choose this time" in page


def test_worker_chooses_a_slot_and_both_application_pages_show_it(client, auth, cast):
    as_user(auth, cast["employer"])
    propose(auth, cast["application"].id, slots_form((day(5), "09:00", "09:30"),
                                                     (day(6), "14:00", "15:00")))
    interview = db.session.scalar(sa.select(Interview))
    second = interview.slots[1]

    as_user(auth, cast["worker"])
    mine = client.get(f"/me/applications/{cast['application'].id}").get_data(as_text=True)
    assert "2 times proposed" in mine and f"/interviews/{interview.id}" in mine
    response = auth.post(f"/interviews/{interview.id}/choose", {"slot": second.id})
    assert response.status_code == 302
    db.session.refresh(interview)
    assert interview.status == SCHEDULED
    assert (interview.starts_at, interview.ends_at) == (second.starts_at, second.ends_at)
    mine = client.get(f"/me/applications/{cast['application'].id}").get_data(as_text=True)
    assert "Scheduled" in mine and "16:45–17:45 (Nepal Time, UTC+05:45)" in mine

    as_user(auth, cast["employer"])
    theirs = client.get(f"/org/applications/{cast['application'].id}").get_data(as_text=True)
    assert "Scheduled" in theirs and "14:00–15:00 (Qatar Time, UTC+03:00)" in theirs
    assert actions(interview.id) == ["interview.proposed", "interview.scheduled"]


def test_worker_asks_for_other_times_and_the_employer_proposes_new_ones(client, auth, cast):
    as_user(auth, cast["employer"])
    propose(auth, cast["application"].id, slots_form((day(5), "09:00", "10:00")))
    interview = db.session.scalar(sa.select(Interview))

    as_user(auth, cast["worker"])
    refused = auth.post(f"/interviews/{interview.id}/other-times", {"message": ""})
    assert refused.status_code == 400 and 'href="#f-message"' in refused.get_data(as_text=True)
    auth.post(f"/interviews/{interview.id}/other-times",
              {"message": "I am on night shift that week; any afternoon after the 20th."})
    db.session.refresh(interview)
    assert interview.status == "other_times_requested"

    as_user(auth, cast["employer"])
    theirs = client.get(f"/org/applications/{cast['application'].id}").get_data(as_text=True)
    assert "I am on night shift that week" in theirs
    response = auth.post(f"/interviews/{interview.id}/reschedule",
                         slots_form((day(21), "15:00", "16:00"), reason="Of course."))
    assert response.status_code == 302
    db.session.refresh(interview)
    assert interview.status == PROPOSED and len(interview.slots) == 1
    assert interview.slots[0].starts_at == dt.datetime.fromisoformat(f"{day(21)}T12:00")

    as_user(auth, cast["worker"])
    page = client.get(f"/interviews/{interview.id}").get_data(as_text=True)
    assert "17:45–18:45 (Nepal Time, UTC+05:45)" in page and "Of course." in page
    assert actions(interview.id) == ["interview.proposed", "interview.other_times_requested",
                                     "interview.rescheduled"]


def test_moving_a_scheduled_interview_needs_a_reason_the_worker_sees(client, auth, cast):
    interview = scheduled(cast)
    as_user(auth, cast["employer"])
    form = slots_form((day(8), "10:00", "11:00"))
    response = auth.post(f"/interviews/{interview.id}/reschedule", form)
    assert response.status_code == 400 and 'href="#f-reason"' in response.get_data(as_text=True)
    db.session.refresh(interview)
    assert interview.status == SCHEDULED
    auth.post(f"/interviews/{interview.id}/reschedule",
              {**form, "reason": "Our site manager is travelling that day."})
    db.session.refresh(interview)
    assert interview.status == PROPOSED and interview.starts_at is None

    as_user(auth, cast["worker"])
    mine = client.get(f"/me/applications/{cast['application'].id}").get_data(as_text=True)
    assert "Our site manager is travelling that day." in mine


@pytest.mark.parametrize("side", ["worker", "employer"])
def test_either_side_cancels_with_a_reason_the_other_side_sees(client, auth, cast, side):
    interview = scheduled(cast)
    other = "employer" if side == "worker" else "worker"
    as_user(auth, cast[side])
    response = auth.post(f"/interviews/{interview.id}/cancel", {"cancel_reason": " "})
    assert response.status_code == 400
    assert 'href="#f-cancel_reason"' in response.get_data(as_text=True)
    auth.post(f"/interviews/{interview.id}/cancel", {"cancel_reason": "Family emergency."})
    db.session.refresh(interview)
    assert interview.status == CANCELLED

    as_user(auth, cast[other])
    page = client.get(f"/interviews/{interview.id}").get_data(as_text=True)
    assert "Cancelled" in page and "Family emergency." in page
    assert "Join the video interview" not in page
    entry = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "interview.cancelled"))
    assert entry.actor_id == cast[side].id and entry.reason == "Family emergency."


def test_one_interview_at_a_time_and_none_after_the_interview_stage(auth, cast, make):
    as_user(auth, cast["employer"])
    form = slots_form((day(), "10:00", "11:00"))
    assert propose(auth, cast["application"].id, form).status_code == 302
    again = propose(auth, cast["application"].id, form)
    assert again.status_code == 400 and "already has an interview" in again.get_data(as_text=True)
    for status in ("offered", "rejected", "withdrawn"):
        late = make.application(cast["job"], status=status)
        response = propose(auth, late.id, form)
        assert response.status_code == 400
        assert "past the interview stage or closed" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Interview.id))) == 1


# --- bad input: named, never a 500, nothing stored ---

def _dst_gap() -> tuple[str, str]:
    """A date in the coming year on which 01:30 does not exist in Europe/London."""
    zone = ZoneInfo("Europe/London")
    for offset in range(2, 367):
        date = today() + dt.timedelta(days=offset)
        try:
            local_to_utc(date, dt.time(1, 30), zone)
        except NonexistentLocalTime:
            return date.isoformat(), "Europe/London"
    raise AssertionError("no clock change in Europe/London within a year")


BAD_PROPOSALS = {
    "bad date": (slots_form(("2030-02-30", "10:00", "11:00")), "slots.1.date"),
    "bad time": (slots_form((day(), "25:00", "26:00")), "slots.1.start"),
    "in the past": (slots_form(((today() - dt.timedelta(days=1)).isoformat(), "10:00",
                                "11:00")), "slots.1.start"),
    "end before start": (slots_form((day(), "11:00", "10:00")), "slots.1.end"),
    "unknown time zone": (slots_form((day(), "10:00", "11:00"), timezone="Mars/Olympus"),
                          "timezone"),
    "no time zone": (slots_form((day(), "10:00", "11:00"), timezone=""), "timezone"),
    "more than five": (slots_form(*[(day(n), "10:00", "11:00") for n in range(3, 9)]),
                       "slots"),
    "no slot at all": ({"timezone": "Asia/Qatar"}, "slots"),
    "half a row": (slots_form((day(), "10:00", "")), "slots.1.end"),
    "too long": (slots_form((day(), "08:00", "17:00")), "slots.1.end"),
    "too far ahead": (slots_form((day(400), "10:00", "11:00")), "slots.1.date"),
    "twice the same": (slots_form((day(), "10:00", "11:00"), (day(), "10:00", "11:00")),
                       "slots.2.start"),
    "a time with a zone": (slots_form((day(), "10:00+05:00", "11:00")), "slots.1.start"),
}


@pytest.mark.parametrize("case", sorted(BAD_PROPOSALS))
def test_bad_proposal_names_the_field_and_stores_nothing(auth, cast, case):
    data, field = BAD_PROPOSALS[case]
    as_user(auth, cast["employer"])
    response = propose(auth, cast["application"].id, data)
    assert response.status_code == 400
    assert f'href="#f-{field}"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Interview.id))) == 0


def test_a_time_skipped_by_the_clock_change_is_refused(auth, cast):
    date, zone = _dst_gap()
    as_user(auth, cast["employer"])
    response = propose(auth, cast["application"].id,
                       slots_form((date, "01:30", "02:30"), timezone=zone))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'href="#f-slots.1.start"' in page and "the clocks" in page


def test_every_problem_is_reported_together(auth, cast):
    as_user(auth, cast["employer"])
    response = propose(auth, cast["application"].id, slots_form(
        ("soon", "10:00", "11:00"), (day(), "12:00", "11:00"), timezone="Nowhere/Town"))
    page = response.get_data(as_text=True)
    for field in ("timezone", "slots.1.date", "slots.2.end"):
        assert f'href="#f-{field}"' in page


@pytest.mark.parametrize("slot", ["", "abc", "999999", "99999999999999999999999"])
def test_choosing_a_slot_that_is_not_offered_is_named(auth, cast, slot):
    as_user(auth, cast["employer"])
    propose(auth, cast["application"].id, slots_form((day(), "10:00", "11:00")))
    interview = db.session.scalar(sa.select(Interview))
    as_user(auth, cast["worker"])
    response = auth.post(f"/interviews/{interview.id}/choose", {"slot": slot})
    assert response.status_code == 400 and 'href="#f-slot"' in response.get_data(as_text=True)
    db.session.refresh(interview)
    assert interview.status == PROPOSED


def test_a_slot_that_has_passed_cannot_be_chosen(auth, cast):
    as_user(auth, cast["employer"])
    propose(auth, cast["application"].id, slots_form((day(), "10:00", "11:00")))
    interview = db.session.scalar(sa.select(Interview))
    interview.slots[0].starts_at = utcnow() - dt.timedelta(minutes=5)
    db.session.commit()
    as_user(auth, cast["worker"])
    response = auth.post(f"/interviews/{interview.id}/choose", {"slot": interview.slots[0].id})
    assert response.status_code == 400 and "already passed" in response.get_data(as_text=True)


# --- the outcome moves the application through its own workflow ---

def test_outcome_waits_for_the_interview_then_moves_the_application(client, auth, cast):
    interview = scheduled(cast)
    as_user(auth, cast["employer"])
    early = auth.post(f"/interviews/{interview.id}/outcome", {"outcome": "offered"})
    assert early.status_code == 400 and "once the interview has started" in \
        early.get_data(as_text=True)
    interview.starts_at -= dt.timedelta(days=3, hours=1)
    interview.ends_at -= dt.timedelta(days=3, hours=1)
    db.session.commit()
    assert "Outcome of the interview" in client.get(f"/interviews/{interview.id}").get_data(
        as_text=True)
    response = auth.post(f"/interviews/{interview.id}/outcome", {"outcome": "offered"})
    assert response.status_code == 302
    db.session.refresh(interview)
    application = db.session.get(Application, cast["application"].id)
    assert (interview.status, interview.outcome, application.status) == (
        "completed", "offered", "offered")
    change = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "application.status_changed"))
    assert change.details == {"before": "interview", "after": "offered"}
    assert actions(interview.id) == ["interview.outcome_recorded"]


def test_rejection_needs_a_reason_and_changes_nothing_without_one(auth, cast):
    interview = scheduled(cast, starts_in=-dt.timedelta(hours=2))
    as_user(auth, cast["employer"])
    response = auth.post(f"/interviews/{interview.id}/outcome", {"outcome": "rejected"})
    assert response.status_code == 400
    assert 'href="#f-outcome_reason"' in response.get_data(as_text=True)
    db.session.refresh(interview)
    assert interview.status == SCHEDULED
    assert db.session.get(Application, cast["application"].id).status == "interview"
    assert actions(interview.id) == []

    auth.post(f"/interviews/{interview.id}/outcome",
              {"outcome": "rejected", "outcome_reason": "We need two years on scaffolds."})
    assert db.session.get(Application, cast["application"].id).status == "rejected"
    as_user(auth, cast["worker"])
    mine = auth.client.get(f"/me/applications/{cast['application'].id}").get_data(as_text=True)
    assert "We need two years on scaffolds." in mine


def test_outcome_must_be_offer_or_rejection(auth, cast):
    interview = scheduled(cast, starts_in=-dt.timedelta(hours=2))
    as_user(auth, cast["employer"])
    response = auth.post(f"/interviews/{interview.id}/outcome", {"outcome": "hired"})
    assert response.status_code == 400 and 'href="#f-outcome"' in response.get_data(as_text=True)


# --- who may see and do what ---

ROLES = ("anonymous", "worker", "other_worker", "employer", "other_employer", "agency",
         "reviewer", "admin")
# Cells: a status code, or "login" for a redirect to the sign-in page. "ok" on a POST means
# the request reached the service (a 400 for the empty form), neither denied nor redirected.
ACCESS = {
    # endpoint                 anon     worker other  empl  o_empl agency review admin
    "GET /interviews/{i}":     ("login", 200,  404,   200,  404,   404,   404,   404),
    "GET /interviews/{i}/room": ("login", 200, 404,   200,  404,   404,   404,   404),
    "GET /interviews/{i}/invitation.ics": ("login", 200, 404, 200, 404, 404, 404, 404),
    "POST /interviews/{i}/cancel": ("login", "ok", 404, "ok", 404,  404,   404,   404),
    "POST /interviews/{i}/choose": ("login", "ok", 404, 403,  404,   404,   404,   404),
    "POST /interviews/{i}/other-times": ("login", "ok", 404, 403, 404, 404, 404,   404),
    "POST /interviews/{i}/outcome": ("login", 403, 403,  "ok", 404,   404,   403,   403),
    "GET /interviews/{i}/reschedule": ("login", 403, 403, 200, 404,   404,   403,   403),
    "GET /org/applications/{a}/interviews/new": ("login", 403, 403, 200, 404, 404, 403, 403),
}


def _actor(make, cast, role: str):
    return {
        "anonymous": lambda: None,
        "worker": lambda: cast["worker"],
        "other_worker": lambda: make.user("worker"),
        "employer": lambda: cast["employer"],
        "other_employer": lambda: make.member(make.organisation("Crane Services")),
        "agency": lambda: make.member(make.organisation("Bridge Recruitment", kind="agency")),
        "reviewer": lambda: make.user("reviewer"),
        "admin": lambda: make.user("admin"),
    }[role]()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(ACCESS))
def test_only_the_two_sides_get_in(client, auth, make, cast, route, role):
    interview = scheduled(cast, starts_in=dt.timedelta(minutes=5))
    method, template = route.split(" ")
    path = template.format(i=interview.id, a=cast["application"].id)
    user = _actor(make, cast, role)
    if user is not None:
        assert auth.login(user.email).status_code == 302
    response = auth.post(path) if method == "POST" else client.get(path)
    expected = ACCESS[route][ROLES.index(role)]
    body = response.get_data(as_text=True)
    if expected == "login":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    elif expected == "ok":
        assert response.status_code == 400, body
    else:
        assert response.status_code == expected
    if expected in (403, 404, "login"):
        assert interview.room not in body and "Sita Tamang" not in body
    if expected == 404:
        assert NOT_FOUND in body
    db.session.refresh(interview)
    assert interview.status == SCHEDULED  # no one changed anything


def test_unknown_and_huge_ids_are_not_found(client, auth, cast):
    as_user(auth, cast["employer"])
    for path in ("/interviews/424242", f"/interviews/{2**31}", f"/interviews/{2**63}",
                 f"/interviews/{10**30}/room", f"/interviews/{2**31}/invitation.ics",
                 f"/org/applications/{2**31}/interviews/new"):
        assert client.get(path).status_code == 404, path


def test_application_pages_show_no_interview_section_to_strangers(client, auth, cast, make):
    scheduled(cast)
    other = make.application(make.job(make.organisation("Crane Services")), cast["worker"])
    as_user(auth, cast["worker"])
    page = client.get(f"/me/applications/{other.id}").get_data(as_text=True)
    assert "Video interview" not in page
