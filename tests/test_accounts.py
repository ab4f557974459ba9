"""Accounts: registration, sign-in, organisation registration and its licence rules."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.accounts.models import User
from app.audit import AuditEntry
from app.extensions import db
from app.organisations.models import Organisation
from tests.fixtures.builders import PASSWORD

ORG_FORM = {"display_name": "Ram", "email": "hr@everest.example.org", "password": "long-password-1",
            "org_name": "Everest Manpower", "kind": "agency", "country": "NP",
            "licence_number": "DoFE-1234/075-76",
            "licence_authority": "Department of Foreign Employment", "licence_expiry": "2028-07-15"}


def test_registration_reports_every_bad_field_at_once(auth):
    response = auth.post("/register", {"display_name": "", "email": "not-an-email",
                                       "password": "short"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for field in ("display_name", "email", "password"):
        assert f'href="#f-{field}"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_duplicate_email_is_refused(auth, make):
    make.user("worker", email="sita@example.org")
    response = auth.post("/register", {"display_name": "Sita", "email": "Sita@Example.org",
                                       "password": "another-long-one"})
    assert response.status_code == 400
    assert "already registered" in response.get_data(as_text=True)


def test_wrong_password_and_inactive_account_cannot_sign_in(client, auth, make):
    user = make.user("worker")
    assert auth.login(user.email, "wrong password!").status_code == 400
    user.active = False
    db.session.commit()
    assert auth.login(user.email, PASSWORD).status_code == 400
    assert client.get("/me/applications").status_code == 302


def test_login_never_redirects_off_site(auth, make):
    user = make.user("worker")
    response = auth.client.post("/login?next=https://evil.example/phish",
                                data={"email": user.email, "password": PASSWORD,
                                      "csrf_token": auth.csrf_token()})
    assert response.headers["Location"] == "/me/applications"


def test_forms_without_csrf_token_are_refused(client, make):
    user = make.user("worker")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_agency_registers_with_its_licence_and_lands_on_its_dashboard(client, auth):
    response = auth.post("/register/organisation", ORG_FORM)
    assert response.status_code == 302 and response.headers["Location"] == "/org"
    organisation = db.session.scalar(sa.select(Organisation))
    assert organisation.licence_status == "valid" and organisation.tier == "under_review"
    member = db.session.scalar(sa.select(User))
    assert member.role == "agency" and member.organisation_id == organisation.id
    assert "Everest Manpower" in client.get("/org").get_data(as_text=True)
    actions = db.session.scalars(sa.select(AuditEntry.action)).all()
    assert "organisation.registered" in actions


def test_agency_without_licence_or_with_bad_fields_is_refused(auth):
    form = {**ORG_FORM, "licence_number": "", "country": "XX", "licence_expiry": "soon"}
    response = auth.post("/register/organisation", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for field in ("licence_number", "country", "licence_expiry"):
        assert f'href="#f-{field}"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_expired_licence_is_shown_to_workers(client, make):
    organisation = make.organisation(licence_expiry=dt.date(2025, 3, 31))
    job = make.job(organisation)
    assert "Licence expired" in client.get(f"/jobs/{job.id}").get_data(as_text=True)


def test_member_edits_organisation_and_change_is_audited(auth, make):
    member = make.member()
    auth.login(member.email, PASSWORD)
    form = {"org_name": "Renamed Facilities", "country": "QA", "licence_number": "CR-1",
            "licence_authority": "Ministry of Labour", "licence_expiry": "2029-01-01",
            "website": "https://renamed.example", "description": "Facility management."}
    assert auth.post("/org/edit", form).status_code == 302
    db.session.refresh(member.organisation)
    assert member.organisation.name == "Renamed Facilities"
    entry = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "organisation.updated"))
    assert entry.actor_id == member.id and "name" in entry.details["changed"]


def test_worker_profile_rejects_unknown_language_and_corridor(auth, make):
    make.corridor("NP-QA")
    worker = make.user("worker")
    auth.login(worker.email, PASSWORD)
    response = auth.post("/profile", {"languages": ["ne", "xx"], "corridors": ["ZZ-QQ"],
                                      "experience_years": "-3"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for field in ("languages", "corridors", "experience_years"):
        assert f'href="#f-{field}"' in page


def test_discoverable_consent_is_time_stamped(auth, make):
    make.corridor("NP-QA")
    worker = make.user("worker")
    auth.login(worker.email, PASSWORD)
    auth.post("/profile", {"skills": "welding", "corridors": ["NP-QA"], "discoverable": "y"})
    db.session.refresh(worker.profile)
    assert worker.profile.discoverable and worker.profile.consent_at is not None
    assert [c.code for c in worker.profile.corridors] == ["NP-QA"]
