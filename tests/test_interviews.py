"""Video interviews: proposing slots across time zones, choosing, rescheduling, cancelling,
the iCalendar invitation, the Jitsi room token, the outcome, and who may see any of it."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import jwt
import pytest
import sqlalchemy as sa
from icalendar import Calendar

from app.audit import AuditEntry
from app.extensions import db
from app.interviews.calendar import NonexistentLocalTime, local_to_utc, zone_or_utc
from app.interviews.models import CANCELLED, PROPOSED, SCHEDULED, Interview
from app.interviews.tokens import (JitsiSettings, WrongRoom, mint_token, new_room_name,
                                   verify_token)
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
    assert "10:00–11:00 (Asia/Qatar, UTC+03:00)" in employer_view

    as_user(auth, cast["worker"])
    page = client.get(f"/interviews/{interview.id}").get_data(as_text=True)
    assert "12:45–13:45 (Asia/Kathmandu, UTC+05:45)" in page  # UTC+05:45
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
    assert "Scheduled" in mine and "16:45–17:45 (Asia/Kathmandu, UTC+05:45)" in mine

    as_user(auth, cast["employer"])
    theirs = client.get(f"/org/applications/{cast['application'].id}").get_data(as_text=True)
    assert "Scheduled" in theirs and "14:00–15:00 (Asia/Qatar, UTC+03:00)" in theirs
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
    assert "17:45–18:45 (Asia/Kathmandu, UTC+05:45)" in page and "Of course." in page
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


def test_one_interview_at_a_time_and_only_at_the_interview_stage(auth, cast, make):
    as_user(auth, cast["employer"])
    form = slots_form((day(), "10:00", "11:00"))
    assert propose(auth, cast["application"].id, form).status_code == 302
    again = propose(auth, cast["application"].id, form)
    assert again.status_code == 400 and "already has an interview" in again.get_data(as_text=True)
    early = make.application(cast["job"], status="shortlisted")
    response = propose(auth, early.id, form)
    assert response.status_code == 400 and "interview stage" in response.get_data(as_text=True)
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


# --- the iCalendar invitation ---

def test_invitation_is_valid_icalendar_with_the_interview_link(client, auth, cast):
    interview = scheduled(cast)
    as_user(auth, cast["worker"])
    response = client.get(f"/interviews/{interview.id}/invitation.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    calendar = Calendar.from_ical(response.data)
    assert calendar["VERSION"] == "2.0" and "FairCorridor" in str(calendar["PRODID"])
    [event] = calendar.walk("VEVENT")
    for prop in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "URL", "DESCRIPTION"):
        assert prop in event, prop
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start.utcoffset() == dt.timedelta(0) and end.utcoffset() == dt.timedelta(0)
    assert b"DTSTART:" + interview.starts_at.strftime("%Y%m%dT%H%M%S").encode() + b"Z" \
        in response.data
    assert start.replace(tzinfo=None) == interview.starts_at
    assert end.replace(tzinfo=None) == interview.ends_at
    link = f"http://localhost/interviews/{interview.id}"
    assert str(event["URL"]) == link and link in str(event["DESCRIPTION"])
    assert "Scaffolder Doha" in str(event["SUMMARY"])
    assert str(event["STATUS"]) == "CONFIRMED"
    assert interview.room not in response.get_data(as_text=True)  # the link needs a sign-in

    auth.post(f"/interviews/{interview.id}/cancel", {"cancel_reason": "Found another job."})
    [cancelled] = Calendar.from_ical(
        client.get(f"/interviews/{interview.id}/invitation.ics").data).walk("VEVENT")
    assert str(cancelled["UID"]) == str(event["UID"])
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert cancelled.decoded("SEQUENCE") > event.decoded("SEQUENCE")


def test_no_invitation_before_a_time_is_chosen(client, auth, cast):
    as_user(auth, cast["employer"])
    propose(auth, cast["application"].id, slots_form((day(), "10:00", "11:00")))
    interview = db.session.scalar(sa.select(Interview))
    assert client.get(f"/interviews/{interview.id}/invitation.ics").status_code == 404


# --- the room and its token ---

def room_page(client, interview_id: int) -> tuple[str, str]:
    response = client.get(f"/interviews/{interview_id}/room")
    assert response.status_code == 200
    return response.get_data(as_text=True), response.headers["Content-Security-Policy"]


def test_room_token_claims_follow_the_jitsi_specification(client, auth, cast, jitsi_tokens):
    interview = scheduled(cast, starts_in=dt.timedelta(minutes=5))
    as_user(auth, cast["worker"])
    page, _ = room_page(client, interview.id)
    assert ROOM_RE.search(page).group(1) == interview.room
    assert 'data-domain="video.example.org"' in page
    token = JWT_RE.search(page).group(1)
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience="jitsi")
    assert claims["iss"] == APP_ID and claims["aud"] == "jitsi"
    assert claims["sub"] == "video.example.org" and claims["room"] == interview.room
    start = interview.starts_at.replace(tzinfo=dt.UTC).timestamp()
    end = interview.ends_at.replace(tzinfo=dt.UTC).timestamp()
    assert claims["nbf"] == start - 15 * 60 and claims["exp"] == end + 30 * 60
    assert claims["context"]["user"] == {"id": str(cast["worker"].id), "name": "Sita Tamang",
                                         "moderator": False}
    assert claims["moderator"] is False
    assert "email" not in token and "sita@example.org" not in str(claims)
    assert verify_token(jitsi_tokens, token, interview.room)["room"] == interview.room
    assert f"?jwt={token}" in page  # the plain links carry it too

    as_user(auth, cast["employer"])
    employer_token = JWT_RE.search(room_page(client, interview.id)[0]).group(1)
    employer_claims = verify_token(jitsi_tokens, employer_token, interview.room)
    assert employer_claims["moderator"] is True
    assert employer_claims["context"]["user"]["moderator"] is True
    assert employer_claims["context"]["user"]["name"] == "Omar Haddad (Lusail Builders)"


def test_tokens_are_minted_per_request_and_never_stored(client, auth, cast, jitsi_tokens):
    interview = scheduled(cast, starts_in=dt.timedelta(minutes=5))
    as_user(auth, cast["worker"])
    response = client.get(f"/interviews/{interview.id}/room")
    token = JWT_RE.search(response.get_data(as_text=True)).group(1)
    assert response.headers["Cache-Control"] == "no-store"
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                assert token not in str(tuple(row)), table.name


def test_the_verifier_refuses_another_room_and_tokens_outside_their_time(jitsi_tokens):
    now = utcnow()
    current = dict(room="aaaa", user_id="7", name="Sita", moderator=False,
                   starts_at=now + dt.timedelta(minutes=5), ends_at=now + dt.timedelta(hours=1))
    token = mint_token(jitsi_tokens, **current)
    assert verify_token(jitsi_tokens, token, "aaaa")["context"]["user"]["id"] == "7"
    with pytest.raises(WrongRoom):
        verify_token(jitsi_tokens, token, "bbbb")
    with pytest.raises(jwt.InvalidSignatureError):
        verify_token(JitsiSettings(domain="video.example.org", app_id=APP_ID,
                                   app_secret=SECRET[::-1]), token, "aaaa")
    with pytest.raises(jwt.InvalidIssuerError):
        verify_token(JitsiSettings(domain="video.example.org", app_id="someone-else",
                                   app_secret=SECRET), token, "aaaa")

    expired = mint_token(jitsi_tokens, **{**current, "starts_at": now - dt.timedelta(hours=3),
                                          "ends_at": now - dt.timedelta(hours=2)})
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(expired, SECRET, algorithms=["HS256"], audience="jitsi")
    with pytest.raises(jwt.ExpiredSignatureError):
        verify_token(jitsi_tokens, expired, "aaaa")

    early = mint_token(jitsi_tokens, **{**current, "starts_at": now + dt.timedelta(days=1),
                                        "ends_at": now + dt.timedelta(days=1, hours=1)})
    with pytest.raises(jwt.ImmatureSignatureError):
        jwt.decode(early, SECRET, algorithms=["HS256"], audience="jitsi")
    with pytest.raises(jwt.ImmatureSignatureError):
        verify_token(jitsi_tokens, early, "aaaa")


def test_without_a_secret_the_public_jitsi_is_used_with_no_token(client, auth, cast, app,
                                                                   monkeypatch):
    for key, value in {"JITSI_DOMAIN": "meet.jit.si", "JITSI_APP_ID": None,
                       "JITSI_APP_SECRET": None}.items():
        monkeypatch.setitem(app.config, key, value)
    interview = scheduled(cast, starts_in=dt.timedelta(minutes=5))
    as_user(auth, cast["worker"])
    page, _ = room_page(client, interview.id)
    assert 'data-jwt=""' in page and 'data-domain="meet.jit.si"' in page
    assert '<script src="https://meet.jit.si/external_api.js" defer></script>' in page
    assert f'href="https://meet.jit.si/{interview.room}"' in page
    assert f'href="org.jitsi.meet://meet.jit.si/{interview.room}"' in page
    assert 'data-display-name="Sita Tamang"' in page


def test_room_is_closed_outside_its_window_and_does_not_show_its_name(client, auth, cast,
                                                                       jitsi_tokens):
    interview = scheduled(cast, starts_in=dt.timedelta(hours=2))
    as_user(auth, cast["worker"])
    page, _ = room_page(client, interview.id)
    assert "not open yet" in page
    assert interview.room not in page and "data-jwt" not in page and "external_api.js" not in page


def test_room_page_policy_admits_only_the_configured_jitsi(client, auth, cast, app, monkeypatch):
    monkeypatch.setitem(app.config, "JITSI_DOMAIN", "jitsi.example.net:8443")
    interview = scheduled(cast, starts_in=dt.timedelta(minutes=1))
    as_user(auth, cast["employer"])
    page, policy = room_page(client, interview.id)
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self' https://jitsi.example.net:8443"
    assert directives["frame-src"] == "https://jitsi.example.net:8443"
    assert directives["default-src"] == "'self'" and directives["object-src"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy and "*" not in policy
    assert re.findall(r"<script(?![^>]*\bsrc=)", page) == []  # no inline script to allow
    assert '<script src="https://jitsi.example.net:8443/external_api.js"' in page
    detail = client.get(f"/interviews/{interview.id}")
    assert "jitsi" not in detail.headers["Content-Security-Policy"]


def test_room_names_are_unguessable_and_distinct():
    names = {new_room_name() for _ in range(200)}
    assert len(names) == 200
    assert all(re.fullmatch(r"[0-9a-f]{40}", name) for name in names)  # 160 bits


def test_settings_refuse_a_malformed_domain_or_scheme():
    for domain in ("meet.jit.si/evil", "a b", "x'; script-src *", ""):
        with pytest.raises(ValueError):
            JitsiSettings(domain=domain)
    with pytest.raises(ValueError):
        JitsiSettings(scheme="javascript")
    assert JitsiSettings(domain="127.0.0.1:8000", scheme="http").script_url == \
        "http://127.0.0.1:8000/external_api.js"
    assert zone_or_utc("Not/AZone").key == "UTC"


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
