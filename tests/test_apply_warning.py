"""No one-click trap: applying to a flagged, suspended or unlicensed recruiter first shows
a warning (reasons, licence check, where to report, safer jobs); the server applies only
after the worker confirms it."""
from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from app.audit import AuditEntry
from app.extensions import db
from app.jobs.models import Application
from app.timeutil import today
from tests.fixtures.builders import PASSWORD
from tests.fixtures.recruiters import trap


def applications() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Application))


def english(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def test_applying_to_a_flagged_unlicensed_agency_shows_the_warning_instead(client, auth, make):
    job = trap(make)
    vetted = make.organisation("Fair Masons", tier="vetted")
    safer = make.job(vetted, title="Block mason Lusail", occupation="bricklayer")
    make.job(vetted, title="Electrician Lusail")  # another occupation: not offered instead
    auth.login(make.user("worker").email, PASSWORD)

    response = auth.post(f"/jobs/{job.id}/apply", {"message": "Ten years of blockwork"},
                         headers={"Accept-Language": "en"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    text = english(response)
    assert "Wait before you apply" in text
    assert "Everest Link Recruitment Pvt. Ltd. is flagged" in text
    assert "Licence expired" in text and "DoFE-1453/075-76" in text
    assert 'href="/report"' in page
    assert f'href="/jobs/{safer.id}"' in page and "Electrician Lusail" not in page
    assert 'name="understood_warning" value="yes"' in page
    assert 'value="Ten years of blockwork"' in page  # the message is not lost
    assert applications() == 0


def test_the_worker_can_still_apply_after_confirming(client, auth, make):
    job = trap(make)
    auth.login(make.user("worker").email, PASSWORD)
    response = auth.post(f"/jobs/{job.id}/apply", {"message": "I read the warning",
                                                    "understood_warning": "yes"})
    assert response.status_code == 302 and response.headers["Location"] == "/me/applications"
    application = db.session.scalar(sa.select(Application))
    assert application.message == "I read the warning"
    entry = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "application.submitted"))
    assert entry.details["warned"] == "flagged" and entry.details["licence"] == "expired"


def test_a_confirmation_that_is_not_yes_is_no_confirmation(client, auth, make):
    job = trap(make)
    auth.login(make.user("worker").email, PASSWORD)
    response = auth.post(f"/jobs/{job.id}/apply", {"understood_warning": "maybe"})
    assert response.status_code == 200 and "Wait before you apply" in english(response)
    assert applications() == 0


def test_an_expired_licence_alone_is_warned_about(client, auth, make):
    """Not flagged yet, but the licence has run out: the worker is told before applying."""
    employer = make.organisation("Lapsed Licence Ltd", tier="under_review",
                                 licence_expiry=today() - dt.timedelta(days=3))
    job = make.job(employer, title="Helper")
    other = make.job(make.organisation("Fair Masons", tier="vetted"), title="Mason",
                     occupation="bricklayer")
    auth.login(make.user("worker").email, PASSWORD)
    response = auth.post(f"/jobs/{job.id}/apply", headers={"Accept-Language": "en"})
    text = english(response)
    assert "Lapsed Licence Ltd has no valid recruitment licence" in text
    assert "Licence expired" in text
    # No vetted electrician job: other vetted work in the corridor is offered, and said so.
    assert "No vetted recruiter has this kind of job here right now" in text
    assert f'href="/jobs/{other.id}"' in response.get_data(as_text=True)
    assert applications() == 0


def test_a_vetted_licensed_recruiter_takes_the_application_at_once(client, auth, make):
    job = make.job(make.organisation("Fair Builders", tier="vetted"))
    auth.login(make.user("worker").email, PASSWORD)
    response = auth.post(f"/jobs/{job.id}/apply", {"message": "Hello"})
    assert response.status_code == 302
    assert applications() == 1
