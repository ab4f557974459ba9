"""The marketplace journeys through the real forms: browse, register, apply, hire."""
from __future__ import annotations

import json
import re

import sqlalchemy as sa

from app.extensions import db
from app.jobs.models import Application, JobPosting
from tests.fixtures.builders import PASSWORD, employer_pays_all, job_input


def test_home_lists_corridors(client, make):
    make.corridor("NP-QA")
    page = client.get("/").get_data(as_text=True)
    assert "Nepal → Qatar" in page
    assert "/corridors/NP-QA" in page


def test_corridor_page_filters_by_occupation_wage_and_employer(client, make):
    acme, bolt = make.organisation("Acme Contracting"), make.organisation("Bolt Facilities")
    make.job(acme, title="Electrician Lusail", wage_amount="1800")
    make.job(bolt, title="Kitchen porter Doha", occupation="kitchen porter", wage_amount="1100")
    kitchen = make.occupation("kitchen porter")

    everything = client.get("/corridors/NP-QA").get_data(as_text=True)
    assert "Electrician Lusail" in everything and "Kitchen porter Doha" in everything

    by_occupation = client.get(f"/corridors/NP-QA?occupation={kitchen.id}").get_data(as_text=True)
    assert "Kitchen porter Doha" in by_occupation and "Electrician Lusail" not in by_occupation

    by_wage = client.get("/corridors/NP-QA?min_wage=1500").get_data(as_text=True)
    assert "Electrician Lusail" in by_wage and "Kitchen porter Doha" not in by_wage

    by_org = client.get(f"/corridors/NP-QA?organisation={bolt.id}").get_data(as_text=True)
    assert "Kitchen porter Doha" in by_org and "Electrician Lusail" not in by_org


def test_bad_filter_is_named_not_a_crash(client, make):
    make.corridor("NP-QA")
    response = client.get("/corridors/NP-QA?min_wage=lots")
    assert response.status_code == 400
    assert "min_wage" in response.get_data(as_text=True)


def test_expired_and_closed_jobs_leave_the_list(client, make):
    job = make.job(title="Soon gone")
    job.valid_through = job.valid_through.replace(year=2020)
    closed = make.job(title="Closed one")
    closed.status = "closed"
    db.session.commit()
    page = client.get("/corridors/NP-QA").get_data(as_text=True)
    assert "Soon gone" not in page and "Closed one" not in page


def test_job_page_shows_terms_costs_licence_and_json_ld(client, make):
    costs = employer_pays_all()
    costs["medical_exam"] = {"payer": "worker", "amount": "9000", "currency": "NPR"}
    job = make.job(costs=costs, wage_amount="7.50", wage_period="hour", hours_per_week=48)
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Medical examination" in page and "NPR" in page
    assert job.organisation.licence_number in page
    assert "48 hours a week" in page
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page,
                                re.S).group(1))
    assert data["@type"] == "JobPosting"
    assert data["baseSalary"]["value"]["unitText"] == "HOUR"
    assert data["jobLocation"]["address"]["addressCountry"] == "QA"


def test_worker_registers_fills_profile_applies_and_follows_status(client, auth, make):
    job = make.job(title="Scaffolder Doha")
    response = auth.post("/register", {"display_name": "Sita", "email": "sita@example.org",
                                       "password": "a-long-password"})
    assert response.status_code == 302
    response = auth.post("/profile", {"headline": "Scaffolder", "skills": "scaffolding, rigging",
                                      "experience_years": "4", "languages": ["ne", "en"],
                                      "corridors": ["NP-QA"], "available_from": "2027-01-01",
                                      "discoverable": "y"})
    assert response.status_code == 302
    assert auth.post(f"/jobs/{job.id}/apply", {"message": "I have 4 years"}).status_code == 302
    page = client.get("/me/applications").get_data(as_text=True)
    assert "Scaffolder Doha" in page and "Received" in page
    again = auth.post(f"/jobs/{job.id}/apply", follow_redirects=True).get_data(as_text=True)
    assert "already applied" in again
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Application)) == 1


def test_employer_posts_job_and_moves_application_through_workflow(client, auth, make):
    make.corridor("NP-QA")
    make.occupation("building electrician")
    member = make.member()
    auth.login(member.email, PASSWORD)
    form = {k: v for k, v in job_input().items() if k != "costs"}
    form["contract_languages"] = "ne, en"
    for item, entry in employer_pays_all().items():
        form[f"costs.{item}.payer"] = entry["payer"]
    response = auth.post("/org/jobs/new", form)
    assert response.status_code == 302, response.get_data(as_text=True)
    job = db.session.scalar(sa.select(JobPosting))
    application = make.application(job)

    for status in ("shortlisted", "interview", "offered", "hired"):
        response = auth.post(f"/org/applications/{application.id}", {"status": status})
        assert response.status_code == 302
    db.session.refresh(application)
    assert application.status == "hired"
    skipped = auth.post(f"/org/applications/{application.id}", {"status": "received"})
    assert skipped.status_code == 400


def test_rejection_needs_a_reason_that_the_worker_then_sees(client, auth, make):
    job = make.job()
    worker = make.user("worker")
    application = make.application(job, worker)
    auth.login(make.member(job.organisation).email, PASSWORD)
    refused = auth.post(f"/org/applications/{application.id}", {"status": "rejected"})
    assert refused.status_code == 400 and "reason" in refused.get_data(as_text=True)
    auth.post(f"/org/applications/{application.id}",
              {"status": "rejected", "reason": "We need 3 years of experience"})
    auth.logout()
    auth.login(worker.email, PASSWORD)
    page = client.get(f"/me/applications/{application.id}").get_data(as_text=True)
    assert "Not selected" in page and "We need 3 years of experience" in page


def test_organisation_never_sees_another_organisations_applicants(client, auth, make):
    job = make.job()
    application = make.application(job)
    outsider = make.member()
    auth.login(outsider.email, PASSWORD)
    assert client.get(f"/org/jobs/{job.id}/applicants").status_code == 404
    assert client.get(f"/org/applications/{application.id}").status_code == 404
    assert auth.post(f"/org/applications/{application.id}",
                     {"status": "shortlisted"}).status_code == 404
    assert client.get(f"/org/jobs/{job.id}/edit").status_code == 404


def test_worker_never_sees_another_workers_application(client, auth, make):
    application = make.application(make.job())
    other = make.user("worker")
    auth.login(other.email, PASSWORD)
    assert client.get(f"/me/applications/{application.id}").status_code == 404
    assert auth.post(f"/me/applications/{application.id}/withdraw").status_code == 404
