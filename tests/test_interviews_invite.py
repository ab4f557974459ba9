"""Inviting a candidate to interview from the applicant (the applicants list and the
application page), and interview times in each side's time zone, named in words."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from app.audit import AuditEntry
from app.extensions import db
from app.interviews.models import Interview
from app.jobs.models import Application
from tests.fixtures.builders import PASSWORD
from tests.test_interviews import as_user, day, propose, slots_form

SELECTED_ZONE = re.compile(r'<option value="([^"]+)" selected>([^<]+)</option>')


@pytest.fixture
def hiring(make):
    """A Qatari employer's Nepal → Qatar job, a member who never chose a time zone, and
    a worker (who never chose one either) whose application has just arrived."""
    organisation = make.organisation("Lusail Builders", country="QA")
    job = make.job(organisation, title="Scaffolder Doha")
    worker = make.user("worker", display_name="Sita Tamang")
    return {"job": job, "worker": worker, "application": make.application(job, worker),
            "employer": make.user("employer", organisation=organisation)}


def signed_in(auth, user) -> None:
    assert auth.login(user.email, PASSWORD).status_code == 302


def test_the_applicants_list_offers_to_propose_times_to_each_candidate(client, auth, make,
                                                                     hiring):
    job = hiring["job"]
    rejected = make.application(job, status="rejected")
    invited = make.application(job, status="shortlisted")
    signed_in(auth, hiring["employer"])
    propose(auth, invited.id, slots_form((day(), "10:00", "11:00")))

    page = client.get(f"/org/jobs/{job.id}/applicants").get_data(as_text=True)
    new = hiring["application"].id
    assert f'href="/org/applications/{new}/interviews/new">Propose interview times' in page
    assert f"/org/applications/{rejected.id}/interviews/new" not in page
    interview = db.session.scalar(sa.select(Interview))
    assert (f'href="/interviews/{interview.id}">Interview: Times proposed, waiting for the '
            "candidate&#39;s choice") in page


def test_the_application_page_offers_it_first_whatever_the_status(client, auth, hiring):
    signed_in(auth, hiring["employer"])
    page = client.get(f"/org/applications/{hiring['application'].id}").get_data(as_text=True)
    button = page.index("Propose interview times")
    assert button < page.index("<h2>Profile</h2>") if "<h2>Profile</h2>" in page else button


def test_proposing_times_moves_the_application_to_the_interview_stage(client, auth, hiring):
    application = hiring["application"]
    signed_in(auth, hiring["employer"])
    form_page = client.get(f"/org/applications/{application.id}/interviews/new")
    assert "moves the application to the interview stage" in form_page.get_data(as_text=True)
    response = propose(auth, application.id, slots_form((day(), "10:00", "11:00")))
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.status == "interview" and application.interview_reached_at is not None
    moved = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "application.status_changed"))
    assert (moved.actor_id, moved.details) == (hiring["employer"].id, {
        "before": "received", "after": "interview", "by": "interview.proposed"})

    as_user(auth, hiring["worker"])
    page = client.get(f"/me/applications/{application.id}").get_data(as_text=True)
    assert "Status: <strong>Interview</strong>" in page and "1 time proposed" in page


def test_a_refused_proposal_leaves_the_application_where_it_was(auth, hiring):
    application = hiring["application"]
    signed_in(auth, hiring["employer"])
    response = propose(auth, application.id, slots_form(("2030-02-30", "10:00", "11:00")))
    assert response.status_code == 400
    db.session.refresh(application)
    assert application.status == "received"
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == 0


@pytest.mark.parametrize("member_zone, country, expected", [
    (None, "QA", ("Asia/Qatar", "Qatar Time")),  # an employer: the destination's
    (None, "NP", ("Asia/Kathmandu", "Nepal Time")),  # an agency at home: the origin's
    ("Europe/London", "QA", ("Europe/London", "United Kingdom Time")),  # their own
])
def test_the_proposal_form_starts_in_the_members_zone_named_in_words(
        client, auth, make, member_zone, country, expected):
    organisation = make.organisation(country=country)
    application = make.application(make.job(organisation))
    extra = {"timezone": member_zone} if member_zone else {}
    signed_in(auth, make.user(organisation.kind, organisation=organisation, **extra))
    page = client.get(f"/org/applications/{application.id}/interviews/new").get_data(
        as_text=True)
    assert SELECTED_ZONE.findall(page) == [expected]
    assert '<optgroup label="In this corridor">' in page and ">Asia/Qatar<" not in page


def test_a_worker_without_a_time_zone_sees_times_in_the_origins_named_and_how_to_change(
        client, auth, hiring):
    signed_in(auth, hiring["employer"])
    propose(auth, hiring["application"].id, slots_form((day(), "10:00", "11:00")))
    interview = db.session.scalar(sa.select(Interview))

    as_user(auth, hiring["worker"])
    page = client.get(f"/interviews/{interview.id}").get_data(as_text=True)
    assert "12:45–13:45 (Nepal Time, UTC+05:45)" in page  # 10:00 in Qatar
    assert "shown in your time zone, Nepal Time" in page
    assert "Times are shown in Nepal Time. If you are somewhere else" in page
    assert 'href="/profile"' in page
    stored = interview.slots[0].starts_at
    assert stored.isoformat() not in page and f"{stored:%Y-%m-%d %H:%M}" not in page


def test_a_worker_with_a_time_zone_sees_their_own_and_no_hint(client, auth, make, hiring):
    hiring["worker"].timezone = "Asia/Dubai"
    db.session.commit()
    signed_in(auth, hiring["employer"])
    propose(auth, hiring["application"].id, slots_form((day(), "10:00", "11:00")))
    interview = db.session.scalar(sa.select(Interview))
    as_user(auth, hiring["worker"])
    page = client.get(f"/interviews/{interview.id}").get_data(as_text=True)
    assert "11:00–12:00 (United Arab Emirates Time, UTC+04:00)" in page
    assert "Times are shown in" not in page
    assert "Employer's time: " in page and "10:00–11:00 (Qatar Time, UTC+03:00)" in page


def test_problems_with_proposed_times_are_named_as_the_form_names_them(auth, hiring):
    signed_in(auth, hiring["employer"])
    response = propose(auth, hiring["application"].id, slots_form(
        (day(), "10:00", "11:00"), (day(), "12:00", "11:00"), timezone="Nowhere/Town"))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<a href="#f-slots.2.end">Time 2: End</a>: must be after the start' in page
    assert '<a href="#f-timezone">Time zone of the times below</a>' in page


def test_a_refused_move_on_the_application_page_is_named_in_words(auth, hiring):
    signed_in(auth, hiring["employer"])
    response = auth.post(f"/org/applications/{hiring['application'].id}",
                         {"status": "rejected"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert '<a href="#f-reason">Reason</a>: is required when rejecting' in page
