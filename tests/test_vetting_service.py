"""Vetting in the marketplace: ads are checked before publishing, organisations get a risk
and a tier, and ministry reviewers work a queue with the evidence in front of them."""
from __future__ import annotations

import sqlalchemy as sa

from app.audit import AuditEntry
from app.extensions import db
from app.jobs.models import JobPosting
from tests.fixtures.builders import PASSWORD, employer_pays_all, job_input
from vetting.models import OrganisationRisk, PostingAssessment
from vetting.services import rescore_all

PASSPORT_AD = ("Cleaners needed for towers in Doha. Company keeps passports for safekeeping "
               "during the contract. Salary QAR 1,100 per month, 48 hours a week.")
FAIR_AD = ("Electricians for residential towers in Lusail. The employer pays all recruitment "
           "costs, including visa and air ticket; workers pay no fees. You keep your own "
           "passport. Licence CR-118245.")


def _form(**overrides) -> dict:
    data = job_input(**overrides)
    form = {k: v for k, v in data.items() if k != "costs"}
    form["contract_languages"] = ", ".join(data["contract_languages"])
    for item, entry in data["costs"].items():
        for key, value in entry.items():
            form[f"costs.{item}.{key}"] = value
    return form


def _post_as_member(auth, make, path="/org/jobs/new", **overrides):
    make.corridor("NP-QA"), make.occupation("building electrician")
    member = make.member()
    auth.login(member.email, PASSWORD)
    return member, auth.post(path, _form(**overrides))


def test_fair_ad_is_published_with_its_assessment_and_organisation_risk(auth, make):
    member, response = _post_as_member(auth, make, description=FAIR_AD)
    assert response.status_code == 302
    job = db.session.scalar(sa.select(JobPosting))
    assessment = db.session.scalar(sa.select(PostingAssessment))
    assert assessment.job_id == job.id and assessment.critical == 0
    assert any(f["direction"] == "good_practice" for f in assessment.findings)
    risk = db.session.scalar(sa.select(OrganisationRisk))
    assert risk.organisation_id == member.organisation_id
    assert sum(line["points"] for line in risk.lines) == risk.score


def test_passport_retention_blocks_publishing_and_shows_the_evidence(auth, make):
    _, response = _post_as_member(auth, make, description=PASSPORT_AD)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "cannot be published" in page
    assert '<mark class="risk"' in page and "keeps passports" in page
    assert "How to fix" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobPosting)) == 0


def test_worker_paid_fee_in_the_disclosure_blocks_publishing(auth, make):
    costs = employer_pays_all()
    costs["recruitment_fee"] = {"payer": "worker", "amount": "150000", "currency": "NPR"}
    _, response = _post_as_member(auth, make, description=FAIR_AD, costs=costs)
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobPosting)) == 0


def test_check_button_scores_the_draft_without_saving(auth, make):
    make.corridor("NP-QA"), make.occupation("building electrician")
    auth.login(make.member().email, PASSWORD)
    response = auth.post("/org/jobs/new", {**_form(description=PASSPORT_AD), "action": "check"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Fair-recruitment check" in page
    assert "keeps passports" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobPosting)) == 0


def test_blocked_edit_leaves_the_published_ad_unchanged(auth, make):
    member, _ = _post_as_member(auth, make, description=FAIR_AD)
    job = db.session.scalar(sa.select(JobPosting))
    response = auth.post(f"/org/jobs/{job.id}/edit", _form(description=PASSPORT_AD))
    assert response.status_code == 400
    db.session.refresh(job)
    assert job.description == FAIR_AD


def _flagged_organisation(make):
    """An unlicensed agency with an ad that asks workers for fees and keeps passports."""
    agency = make.organisation("Quick Visa Manpower", kind="agency", licence_number=None,
                               licence_authority=None, licence_expiry=None)
    make.job(agency, title="Cleaners Doha", description=PASSPORT_AD + " Service charge NPR "
             "150,000 to be paid before departure. Contact on WhatsApp only.")
    make.job(make.organisation("Fair Builders"), description=FAIR_AD)
    rescore_all()
    return agency


def test_reviewer_queue_dossier_and_suspension(client, auth, make):
    agency = _flagged_organisation(make)
    assert agency.tier == "flagged"
    reviewer = make.user("reviewer")
    auth.login(reviewer.email, PASSWORD)
    queue = client.get("/review/").get_data(as_text=True)
    assert "Quick Visa Manpower" in queue and "Fair Builders" not in queue

    dossier = client.get(f"/review/organisations/{agency.id}").get_data(as_text=True)
    assert '<mark class="risk"' in dossier and "No licence" in dossier
    assert "Cleaners Doha" in client.get("/corridors/NP-QA").get_data(as_text=True)

    refused = auth.post(f"/review/organisations/{agency.id}", {"decision": "suspend"})
    assert refused.status_code == 400 and "reason" in refused.get_data(as_text=True)
    response = auth.post(f"/review/organisations/{agency.id}",
                         {"decision": "suspend", "reason": "Charges fees and keeps passports."})
    assert response.status_code == 302
    db.session.refresh(agency)
    assert agency.tier == "suspended"
    assert "Cleaners Doha" not in client.get("/corridors/NP-QA").get_data(as_text=True)
    assert all(item["organisation"]["id"] != agency.id
               for item in client.get("/api/v1/jobs").get_json()["items"])
    entry = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "organisation.suspend"))
    assert entry.actor_id == reviewer.id and entry.reason.startswith("Charges fees")

    rescore_all()  # new evidence never lifts a suspension: only a reviewer does
    db.session.refresh(agency)
    assert agency.tier == "suspended"


def test_job_page_tells_workers_the_tier_and_the_warning_signs(client, make):
    agency = _flagged_organisation(make)
    job = db.session.scalar(sa.select(JobPosting).where(JobPosting.organisation_id == agency.id))
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "Flagged" in page and "Warning signs in this ad" in page
    assert "No licence or registration number is given." in page


def test_licence_missing_from_the_register_counts_against_an_agency(make):
    agency = make.organisation("Sonar Look-alike", kind="agency", licence_number="RL-0718",
                               licence_authority="BMET")
    rescore_all()
    risk = db.session.scalar(sa.select(OrganisationRisk).where(
        OrganisationRisk.organisation_id == agency.id))
    assert risk.licence_status == "not_in_register"
    assert risk.lines[0]["code"] == "licence" and risk.score >= 35
    assert agency.tier != "vetted"


def test_rescore_command_shows_progress(runner, make):
    make.job(description=FAIR_AD)
    result = runner.invoke(args=["vetting", "rescore"])
    assert result.exit_code == 0 and "postings scored: 1" in result.output


def test_only_reviewers_see_the_queue(client, auth, make):
    auth.login(make.user("admin").email, PASSWORD)
    assert client.get("/review/").status_code == 403
