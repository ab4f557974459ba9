"""The reviewers' inbox: unlocking, the workflow with reasons, audit, vetting evidence, the CLI."""
from __future__ import annotations

import base64
import datetime as dt
import json
import zlib

import sqlalchemy as sa

from app.audit import AuditEntry
from app.extensions import db
from app.timeutil import utcnow
from grievance import crypto, keyring
from grievance.models import GrievanceCase, GrievanceKey, KeySession
from tests.fixtures import media
from tests.fixtures.builders import PASSWORD
from tests.fixtures.grievance import (DESCRIPTION, PASSPHRASE, grievance_keys,  # noqa: F401
                                      sign_in_reviewer, submit_report)
from vetting.models import OrganisationRisk


def _case_id() -> int:
    return db.session.scalar(sa.select(GrievanceCase.id))


def _session_payload(client) -> str:
    """The signed session cookie's readable payload (Flask signs it, it does not encrypt it)."""
    value = client.get_cookie("session").value
    compressed = value.startswith(".")
    payload = value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return (zlib.decompress(raw) if compressed else raw).decode()


def test_reports_stay_locked_until_a_reviewer_unlocks_them(client, auth, make, grievance_keys):
    submit_report(client)
    reviewer = sign_in_reviewer(auth, make, unlock=False)
    locked = client.get(f"/review/grievances/{_case_id()}").get_data(as_text=True)
    assert DESCRIPTION not in locked and "Unlock reports to read this case" in locked

    wrong = auth.post("/review/grievances/unlock", {"passphrase": "not the passphrase!"})
    assert wrong.status_code == 400 and "is wrong" in wrong.get_data(as_text=True)
    assert auth.post("/review/grievances/unlock", {"passphrase": PASSPHRASE}).status_code == 302
    assert DESCRIPTION in client.get(f"/review/grievances/{_case_id()}").get_data(as_text=True)

    # The cookie carries a random token; the private key is in neither cookie nor database.
    private = crypto.unlock_private_key(keyring.locked_key(keyring.active_key()), PASSPHRASE)
    cookie = _session_payload(client)
    for form in (bytes(private).hex(), base64.b64encode(bytes(private)).decode(),
                 base64.urlsafe_b64encode(bytes(private)).decode()):
        assert form not in cookie
    row = db.session.scalar(sa.select(KeySession))
    assert row.user_id == reviewer.id and bytes(private) not in row.wrapped_private_key
    actions = list(db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.actor_id == reviewer.id, AuditEntry.action.like("grievance.%"))
        .order_by(AuditEntry.id)))
    assert actions == ["grievance.unlock_failed", "grievance.key_unlocked"]

    auth.post("/review/grievances/lock")
    assert DESCRIPTION not in client.get(f"/review/grievances/{_case_id()}").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(KeySession)) == 0


def test_an_unlocked_key_expires(client, auth, make, grievance_keys):
    submit_report(client)
    sign_in_reviewer(auth, make)
    db.session.execute(sa.update(KeySession).values(expires_at=utcnow() - dt.timedelta(minutes=1)))
    db.session.commit()
    assert DESCRIPTION not in client.get(f"/review/grievances/{_case_id()}").get_data(as_text=True)


def test_the_workflow_moves_with_reasons_and_every_step_is_audited(client, auth, make,
                                                                   grievance_keys):
    submit_report(client)
    reviewer = sign_in_reviewer(auth, make)
    other = make.user("reviewer", display_name="Officer Bikash Shrestha")
    case_id = _case_id()
    inbox = client.get("/review/grievances").get_data(as_text=True)
    assert "Kestrelmoor Manpower Pvt" in inbox and "Anonymous report" in inbox

    skip = auth.post(f"/review/grievances/{case_id}/status", {"status": "resolved",
                                                               "reason": "Done already"})
    assert skip.status_code == 400
    no_reason = auth.post(f"/review/grievances/{case_id}/status", {"status": "triaged"})
    assert no_reason.status_code == 400 and 'href="#f-reason"' in no_reason.get_data(as_text=True)
    steps = [("triaged", "Within the ministry's mandate"),
             ("investigating", "Labour inspection requested"),
             ("resolved", "Passports returned to the workers")]
    for status, reason in steps:
        response = auth.post(f"/review/grievances/{case_id}/status",
                             {"status": status, "reason": reason})
        assert response.status_code == 302, response.get_data(as_text=True)
    assert auth.post(f"/review/grievances/{case_id}/assign",
                     {"assignee": str(other.id)}).status_code == 302
    assert auth.post(f"/review/grievances/{case_id}/reply",
                     {"message": "Your passport should now be back with you."}).status_code == 302

    case = db.session.get(GrievanceCase, case_id)
    assert case.status == "resolved" and case.assignee_id == other.id
    entries = list(db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.object_type == "GrievanceCase", AuditEntry.object_id == case_id)
        .order_by(AuditEntry.id)))
    assert [(e.actor_id, e.action, e.reason) for e in entries] == [
        (reviewer.id, "grievance.status_changed", reason) for _, reason in steps] + [
        (reviewer.id, "grievance.assigned", ""), (reviewer.id, "grievance.replied", "")]
    assert [e.details["after"] for e in entries[:3]] == ["triaged", "investigating", "resolved"]
    assert "Passports returned" not in json.dumps([e.details for e in entries])
    page = client.get(f"/review/grievances/{case_id}").get_data(as_text=True)
    # The audit trail is on the case page, in words.
    assert "Case moved to another stage" in page and "grievance.status_changed" not in page
    auth.logout()
    auth.login(other.email, PASSWORD)
    assert "Kestrelmoor" not in client.get("/review/grievances?show=mine").get_data(as_text=True)
    assert str(case_id) in client.get("/review/grievances?show=all").get_data(as_text=True)


def _grievance_points(organisation_id: int) -> int:
    risk = db.session.scalar(sa.select(OrganisationRisk)
                             .where(OrganisationRisk.organisation_id == organisation_id))
    return sum(line["points"] for line in risk.lines if line["code"] == "grievances")


def test_verified_findings_raise_the_organisations_risk_more_than_reports(client, auth, make,
                                                                          grievance_keys):
    agency = make.organisation("Kestrelmoor Manpower Pvt", kind="agency", country="NP")
    submit_report(client, organisation=str(agency.id), organisation_name="")
    sign_in_reviewer(auth, make)
    case_id = _case_id()
    early = auth.post(f"/review/grievances/{case_id}/verify", {"verified": "y",
                                                               "reason": "Inspection report"})
    assert early.status_code == 400 and "linked to an organisation" in early.get_data(as_text=True)

    auth.post(f"/review/grievances/{case_id}/organisation",
              {"organisation": str(agency.id), "reason": "Named in the report"})
    unverified = _grievance_points(agency.id)
    auth.post(f"/review/grievances/{case_id}/verify",
              {"verified": "y", "reason": "Inspection confirmed the passports were held"})
    verified = _grievance_points(agency.id)
    assert 0 < unverified < verified
    risk = db.session.scalar(sa.select(OrganisationRisk)
                             .where(OrganisationRisk.organisation_id == agency.id))
    assert any(line["code"] == "grievances" and line["params"]["verified"] == 1
               for line in risk.lines)
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"grievance.organisation_linked", "grievance.finding_verified"} <= actions

    auth.post(f"/review/grievances/{case_id}/verify", {"reason": "Inspection was mistaken"})
    auth.post(f"/review/grievances/{case_id}/status", {"status": "rejected",
                                                        "reason": "Unfounded after all"})
    assert _grievance_points(agency.id) == 0


def test_reviewers_download_attachments_without_their_metadata(client, auth, make,
                                                               grievance_keys):
    submit_report(client, files=[("camp.jpg", media.geotagged_jpeg())])
    sign_in_reviewer(auth, make, unlock=False)
    case = db.session.get(GrievanceCase, _case_id())
    url = f"/review/grievances/{case.id}/files/{case.attachments[0].id}"
    assert client.get(url).headers["Location"] == "/review/grievances/unlock"
    auth.post("/review/grievances/unlock", {"passphrase": PASSPHRASE})
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers["Content-Disposition"] == "attachment; filename=attachment-1.jpg"
    assert media.GPS_MARK not in response.data and b"Exif" not in response.data
    assert response.data.startswith(b"\xff\xd8")


def test_other_roles_never_reach_the_inbox_or_a_case(client, auth, make, grievance_keys):
    submit_report(client)
    for role in ("worker", "employer", "admin"):
        user = make.user(role)
        auth.login(user.email, PASSWORD)
        assert client.get("/review/grievances").status_code == 403
        assert client.get(f"/review/grievances/{_case_id()}").status_code == 403
        auth.logout()


def test_cli_creates_the_keys_once_and_changes_the_passphrase(runner):
    result = runner.invoke(args=["grievance", "init-keys"],
                           input="a passphrase for reviewers\na passphrase for reviewers\n")
    assert result.exit_code == 0, result.output
    key = db.session.scalar(sa.select(GrievanceKey))
    assert key.fingerprint in result.output
    assert crypto.unlock_private_key(keyring.locked_key(key), "a passphrase for reviewers")
    again = runner.invoke(args=["grievance", "init-keys", "--passphrase",
                                "another long passphrase"])
    assert again.exit_code != 0 and "already exists" in again.output
    short = runner.invoke(args=["grievance", "change-passphrase", "--old",
                                "a passphrase for reviewers", "--new", "short"])
    assert short.exit_code != 0 and "too short" in short.output
    changed = runner.invoke(args=["grievance", "change-passphrase", "--old",
                                  "a passphrase for reviewers", "--new", "a new passphrase here"])
    assert changed.exit_code == 0, changed.output
    db.session.expire_all()
    key = db.session.scalar(sa.select(GrievanceKey))
    assert crypto.unlock_private_key(keyring.locked_key(key), "a new passphrase here")
    purge = runner.invoke(args=["grievance", "purge"])
    assert purge.exit_code == 0 and "form tokens: 0" in purge.output


def test_a_reviewer_classifies_a_case_for_statistics_and_it_is_audited(client, auth, make,
                                                                       grievance_keys):
    submit_report(client)
    reviewer = sign_in_reviewer(auth, make)
    case_id = _case_id()
    assert db.session.get(GrievanceCase, case_id).category is None  # nothing in clear yet
    # Unlocked, the form offers the reporter's own choice (sealed until now) as a start.
    page = client.get(f"/review/grievances/{case_id}").get_data(as_text=True)
    assert '<option value="passport" selected>' in page and "Not classified yet." in page

    bad = auth.post(f"/review/grievances/{case_id}/category", {"category": "gossip"})
    assert bad.status_code == 400 and 'href="#f-category"' in bad.get_data(as_text=True)
    assert auth.post(f"/review/grievances/{case_id}/category",
                     {"category": "wages"}).status_code == 302

    assert db.session.get(GrievanceCase, case_id).category == "wages"
    entry = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "grievance.classified"))
    assert (entry.actor_id, entry.details) == (reviewer.id, {"before": None, "after": "wages"})
