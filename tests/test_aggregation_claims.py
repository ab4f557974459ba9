"""Claims on organisations listed from job sources, end to end: an employer registered on
FairCorridor claims the listing under its name with its licence, a reviewer or admin
decides with a reason, approved ads move with their provenance, later runs follow."""
from __future__ import annotations

import sqlalchemy as sa

from app.aggregation import services
from app.aggregation.models import JobSource, OrganisationClaim, PostingProvenance
from app.audit import AuditEntry
from app.extensions import db
from app.jobs.models import JobPosting
from app.organisations.models import Organisation
from tests.fixtures.aggregation import (demo_sources, esco_mapper, source_files,  # noqa: F401
                                        source_server)

NOTE = "I run recruitment at Al Dafna; the Doha office can confirm on +974 4400 0000."
LISTED = "Al Dafna Contracting W.L.L."  # the register holds CR-118245 in this name


def _listing(make):
    services.run_sources(None, services.sources_to_run(force=True))
    listed = db.session.scalar(sa.select(Organisation).where(Organisation.name == LISTED))
    assert listed is not None and not listed.members
    claimant = make.organisation("Al Dafna Contracting (Doha)", licence_number="CR 118245")
    return listed, claimant, make.member(claimant)


def _job(title: str) -> JobPosting:
    return db.session.scalar(sa.select(JobPosting).where(JobPosting.title == title))


def _audit(action: str) -> list[AuditEntry]:
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)).all()


def test_a_claim_is_checked_against_the_register_and_approved_ads_move(
        demo_sources, source_files, auth, make, client):
    listed, claimant, employer = _listing(make)
    duct = _job("Duct Fabricator")
    copies = {(p.source_id, p.primary, p.raw_hash) for p in db.session.scalars(
        sa.select(PostingProvenance).where(PostingProvenance.job_id == duct.id))}
    assert duct.organisation_id == listed.id and copies
    auth.login(employer.email)
    assert f'href="/organisations/{listed.id}/claim"' in client.get(
        f"/organisations/{listed.id}").get_data(as_text=True)
    for number, message in (("CR-999999", "is not in the register"),
                            ("CR-140372", "not to this organisation"),
                            ("", "is required")):
        response = auth.post(f"/organisations/{listed.id}/claim",
                             {"licence_number": number, "note": NOTE})
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and message in page, number
        assert 'href="#f-licence_number"' in page
    assert auth.post(f"/organisations/{listed.id}/claim",
                     {"licence_number": "CR-118245", "note": NOTE}).status_code == 302
    assert "Waiting for a reviewer" in client.get("/org/claims").get_data(as_text=True)
    again = auth.post(f"/organisations/{listed.id}/claim",
                      {"licence_number": "CR-118245", "note": NOTE})
    assert again.status_code == 400 and "already claimed" in again.get_data(as_text=True)
    claim = db.session.scalar(sa.select(OrganisationClaim))
    assert "CR-118245" in claim.register_note  # what the register said, kept for the reviewer
    auth.logout()

    auth.login(make.user("reviewer").email)
    assert "Al Dafna Contracting (Doha)" in client.get("/review/claims").get_data(as_text=True)
    page = client.get(f"/review/claims/{claim.id}").get_data(as_text=True)
    assert NOTE.split(";")[0] in page and "Duct Fabricator" in page
    response = auth.post(f"/review/claims/{claim.id}", {"decision": "approve", "reason": ""})
    assert response.status_code == 400 and 'href="#f-reason"' in response.get_data(as_text=True)
    assert _job("Duct Fabricator").organisation_id == listed.id  # nothing moved
    auth.post(f"/review/claims/{claim.id}",
              {"decision": "approve", "reason": "Licence and office confirmed by phone."})
    db.session.expire_all()
    assert (claim.status, claim.moved_jobs) == ("approved", 1)
    assert _job("Duct Fabricator").organisation_id == claimant.id
    assert {(p.source_id, p.primary, p.raw_hash) for p in db.session.scalars(
        sa.select(PostingProvenance).where(PostingProvenance.job_id == duct.id))} == copies
    [approved] = _audit("organisation.claim_approved")
    assert approved.reason == "Licence and office confirmed by phone."
    assert approved.details["moved_jobs"] == [duct.id]
    assert _audit("organisation.claim_requested")[0].actor_id == employer.id
    page = client.get(f"/jobs/{duct.id}").get_data(as_text=True)
    assert "Al Dafna Contracting (Doha)" in page and "Where this job was found" in page

    # The source edits the ad: the next run keeps it with the claimant.
    feed = source_files / "himal-partner-feed.json"
    feed.write_text(feed.read_text().replace("QR 1,650 per month", "QR 1,750 per month"))
    source = db.session.scalar(sa.select(JobSource).where(
        JobSource.name == "Himal partner agency feed"))
    assert services.run_sources(None, [source])[0].updated == 1
    db.session.expire_all()
    assert _job("Duct Fabricator").organisation_id == claimant.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(JobPosting).where(
        JobPosting.organisation_id == listed.id)) == 0


def test_a_refused_claim_moves_nothing_and_the_claimant_reads_why(demo_sources, auth, make,
                                                                  client):
    listed, claimant, employer = _listing(make)
    auth.login(employer.email)
    auth.post(f"/organisations/{listed.id}/claim", {"licence_number": "CR-118245", "note": NOTE})
    claim = db.session.scalar(sa.select(OrganisationClaim))
    auth.logout()
    admin = make.user("admin")
    auth.login(admin.email)
    auth.post(f"/review/claims/{claim.id}",
              {"decision": "refuse", "reason": "The Doha office denies this person works there."})
    late = auth.post(f"/review/claims/{claim.id}", {"decision": "approve", "reason": "Oops."})
    assert late.status_code == 400 and "already decided" in late.get_data(as_text=True)
    db.session.expire_all()
    assert claim.status == "refused" and claim.decided_by_id == admin.id
    assert _job("Duct Fabricator").organisation_id == listed.id
    assert _audit("organisation.claim_refused")[0].reason.startswith("The Doha office")
    auth.logout()
    auth.login(employer.email)
    assert "The Doha office denies" in client.get("/org/claims").get_data(as_text=True)


def test_only_listed_organisations_can_be_claimed_and_only_deciders_decide(
        demo_sources, auth, make, client):
    listed, claimant, employer = _listing(make)
    registered = make.organisation("Registered Co.")
    make.member(registered)
    auth.login(employer.email)
    assert client.get(f"/organisations/{registered.id}/claim").status_code == 404
    assert client.get(f"/organisations/{claimant.id}/claim").status_code == 404
    assert client.get("/review/claims").status_code == 403
    auth.post(f"/organisations/{listed.id}/claim", {"licence_number": "CR-118245", "note": NOTE})
    claim = db.session.scalar(sa.select(OrganisationClaim))
    assert auth.post(f"/review/claims/{claim.id}",
                     {"decision": "approve", "reason": "Approving myself."}).status_code == 403
    auth.logout()
    other = make.member(make.organisation("Crane Services"))
    auth.login(other.email)
    assert "Al Dafna" not in client.get("/org/claims").get_data(as_text=True)
    db.session.expire_all()
    assert claim.status == "pending"


def test_registering_under_a_listed_name_points_to_the_claim(auth, make):
    make.organisation(LISTED)  # named by a source, nobody registered
    response = auth.post("/register/organisation", {
        "display_name": "Hamad", "email": "hr@al-dafna.example", "password": "long-password-1",
        "org_name": LISTED.upper(), "kind": "employer", "country": "QA"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'href="#f-org_name"' in page
    assert "is listed from job sources but not registered" in page
