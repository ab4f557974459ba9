"""Anonymous reports and follow-up with a receipt; workers' named complaints; bad input."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from grievance import casework, crypto, keyring, services
from grievance.models import (GrievanceAttachment, GrievanceCase, GrievanceMessage,
                              ReceiptAttempts, UsedFormToken)
from tests.fixtures import media
from tests.fixtures.builders import PASSWORD
from tests.fixtures.grievance import (DESCRIPTION, FORM_TOKEN_RE, PASSPHRASE, file_field,
                                      form_tokens, fresh_work, grievance_keys,  # noqa: F401
                                      receipt_of, report_data, solved_work, submit_report)
from tests.conftest import CSRF_RE

WRONG = "This receipt does not open a report"


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _follow_up(client, receipt):
    return client.post("/report/follow-up", data={"receipt": receipt,
                                                  **form_tokens(client, "/report/follow-up")})


def _reviewer_reply(make, text="We have opened an investigation. Can you tell us the date?"):
    reviewer = make.user("reviewer", display_name="Officer Anjali Rao")
    case = db.session.scalar(sa.select(GrievanceCase))
    casework.reply(reviewer, case.id, {"message": text})
    return reviewer


def test_anyone_reports_without_an_account_or_javascript(client, grievance_keys):
    page = client.get("/report")
    html = page.get_data(as_text=True)
    # Its one script is the proof of work's file; without it the form still works.
    assert page.status_code == 200
    assert re.findall(r"<script[^>]*>", html) == [
        '<script src="/static/grievance-work.js" defer>']
    assert 'enctype="multipart/form-data"' in html and 'name="organisation_name"' in html
    for category in ("fees", "passport", "wages", "deception", "threats", "conditions", "other"):
        assert f'value="{category}"' in html

    response = submit_report(client, files=[("camp.jpg", media.geotagged_jpeg())],
                             corridor="", contact="")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    receipt = receipt_of(response)
    assert "the only way to read our replies" in html
    assert "We cannot show it again or recover it." in html
    case = db.session.scalar(sa.select(GrievanceCase))
    assert case.kind == "anonymous" and case.status == "received" and case.reporter_id is None
    assert case.receipt_hash.startswith("$argon2id$") and receipt.replace("-", "")[5:] not in \
        case.receipt_hash
    assert _count(GrievanceAttachment) == 1
    # The receipt page is the only page that shows it: the follow-up form never does.
    assert receipt not in client.get("/report/follow-up").get_data(as_text=True)


def test_reporter_follows_up_reads_the_reviewer_role_and_answers(client, make, grievance_keys):
    receipt = receipt_of(submit_report(client))
    reviewer = _reviewer_reply(make)
    casework.change_status(reviewer, db.session.scalar(sa.select(GrievanceCase.id)),
                           {"status": "triaged", "reason": "Within our mandate"})

    page = _follow_up(client, receipt.lower().replace("-", " "))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "We have opened an investigation" in html and DESCRIPTION in html
    assert "Ministry reviewer" in html and "Triaged" in html and "Within our mandate" in html
    assert "Anjali" not in html and reviewer.email not in html

    tokens = {"csrf_token": CSRF_RE.search(html).group(1), **solved_work(html),
              "form_token": FORM_TOKEN_RE.search(html).group(1)}
    answer = client.post("/report/follow-up/message", content_type="multipart/form-data", data={
        **tokens, "receipt": receipt, "message": "It happened on the 3rd of May.",
        "attachments": [file_field("contract.pdf", media.pdf_with_metadata())]})
    assert answer.status_code == 200 and "Your message was sent." in answer.get_data(as_text=True)
    again = client.post("/report/follow-up/message", content_type="multipart/form-data", data={
        **tokens, "receipt": receipt, "message": "It happened on the 3rd of May."})
    assert "already sent" in again.get_data(as_text=True)
    assert _count(GrievanceMessage) == 2  # the reply and one copy of the answer

    private = crypto.unlock_private_key(keyring.locked_key(keyring.active_key()), PASSPHRASE)
    view = casework.reviewer_case(reviewer, db.session.scalar(sa.select(GrievanceCase.id)),
                                  private)
    assert [e.text for e in view.entries][-1] == "It happened on the 3rd of May."
    assert view.entries[-1].files[0].name == "attachment-1.pdf"


def test_a_wrong_receipt_never_tells_whether_it_exists(client, grievance_keys):
    receipt = receipt_of(submit_report(client))
    lookup = receipt[:5]
    other = "A" if receipt[6] != "A" else "B"
    wrong_secret = f"{receipt[:6]}{other}{receipt[7:]}"
    unknown_id = ("QQQQQ" if lookup != "QQQQQ" else "RRRRR") + receipt[5:]
    answers = [_follow_up(client, r) for r in (wrong_secret, unknown_id, "not a receipt")]
    assert [a.status_code for a in answers] == [400, 400, 400]
    # Each page carries a fresh challenge; everything else must be the same.
    bodies = [re.sub(r'name="work_challenge" value="[^"]+"', "", a.get_data(as_text=True))
              for a in answers]
    assert all(WRONG in body for body in bodies)
    assert bodies[0].replace(wrong_secret, "") == bodies[1].replace(unknown_id, "") \
        .replace(unknown_id.lower(), "")


def test_guessing_one_receipt_is_throttled_for_that_receipt_only(app, client,
                                                                  grievance_keys):
    receipt = receipt_of(submit_report(client))
    other = "A" if receipt[6] != "A" else "B"
    wrong = f"{receipt[:6]}{other}{receipt[7:]}"
    for _ in range(app.config["GRIEVANCE_RECEIPT_FAILURES_PER_DAY"]):
        assert _follow_up(client, wrong).status_code == 400
    assert _follow_up(client, wrong).status_code == 429
    assert _follow_up(client, receipt).status_code == 429  # locked for today, even if right
    scopes = set(db.session.scalars(sa.select(ReceiptAttempts.scope)))
    assert scopes == {receipt[:5]}  # counters name receipt ids, never a client

    second = receipt_of(submit_report(client))
    assert _follow_up(client, second).status_code == 200  # other reporters are not locked out


def test_a_double_submit_creates_one_report_and_shows_the_same_receipt(client, grievance_keys):
    data = {**form_tokens(client), **report_data()}
    first = client.post("/report", data=data)
    second = client.post("/report", data=data)
    assert _count(GrievanceCase) == 1 and _count(UsedFormToken) == 1
    assert receipt_of(second) == receipt_of(first)
    assert "The form was sent twice. We kept one report" in second.get_data(as_text=True)


def test_an_empty_report_is_refused_naming_each_field(client, grievance_keys):
    response = client.post("/report", data={**form_tokens(client)})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for field in ("organisation", "category", "description"):
        assert f'href="#f-{field}">{field}</a>' in html
    assert _count(GrievanceCase) == 0


@pytest.mark.parametrize(("name", "data", "message"), [
    ("holiday.jpg", b"MZ\x90\x00 this is a program, not a photo", "is not a JPEG or PNG image"),
    ("big.png", media.png_with_text() + bytes(300 * 1024), "is larger than 200 KB"),
])
def test_disguised_and_oversized_files_are_refused_clearly(app, client, grievance_keys, name,
                                                           data, message, monkeypatch):
    # A small limit keeps the upload under the test client's in-memory threshold (500 KB).
    monkeypatch.setitem(app.config, "GRIEVANCE_MAX_FILE_BYTES", 200 * 1024)
    response = submit_report(client, files=[(name, data)])
    assert response.status_code == 400
    assert f"{name} {message}" in response.get_data(as_text=True).replace("&#39;", "'")
    assert _count(GrievanceCase) == 0 and _count(GrievanceAttachment) == 0


def test_a_failure_while_storing_leaves_no_half_written_case(client, grievance_keys,
                                                             monkeypatch):
    real_seal, calls = crypto.seal, []

    def failing_seal(recipients, plaintext):
        calls.append(1)
        if len(calls) == 3:  # the report is sealed; the first file's bytes fail
            raise OSError("disk full")
        return real_seal(recipients, plaintext)

    monkeypatch.setattr(crypto, "seal", failing_seal)
    data = {**form_tokens(client), **report_data()}
    uploads = [services.Upload("a.png", media.png_with_text())]
    with pytest.raises(OSError):
        services.submit_report(data, uploads, data["form_token"], fresh_work())
    assert _count(GrievanceCase) == 0 and _count(GrievanceAttachment) == 0
    assert _count(UsedFormToken) == 0  # the same form can be sent again
    monkeypatch.setattr(crypto, "seal", real_seal)
    assert services.submit_report(data, uploads, data["form_token"], fresh_work()).receipt


def test_reporting_is_closed_until_the_reviewers_key_exists(client):
    response = client.post("/report", data={**form_tokens(client), **report_data()})
    assert response.status_code == 503 and "not open yet" in response.get_data(as_text=True)


def test_worker_files_a_named_complaint_tracked_in_my_complaints(client, auth, make,
                                                                 grievance_keys):
    job = make.job(make.organisation("Gulf Crest Builders"), title="Mason in Doha")
    worker = make.user("worker", display_name="Sita Tamang")
    application = make.application(job, worker)
    auth.login(worker.email, PASSWORD)
    page = client.get(f"/me/applications/{application.id}").get_data(as_text=True)
    assert f"/me/complaints/new?application={application.id}" in page

    form = client.get(f"/me/complaints/new?application={application.id}")
    assert form.status_code == 200
    tokens = form_tokens(client, f"/me/complaints/new?application={application.id}")
    data = {**tokens, "application": str(application.id), "category": "fees",
            "description": "The agent asked me for 1500 riyals for the visa."}
    response = client.post("/me/complaints/new", data=data)
    assert response.status_code == 302
    client.post("/me/complaints/new", data=data)  # pressed twice
    case = db.session.scalar(sa.select(GrievanceCase))
    assert _count(GrievanceCase) == 1 and case.kind == "named" and case.reporter_id == worker.id

    reviewer = make.user("reviewer", display_name="Officer Anjali Rao")
    casework.reply(reviewer, case.id, {"message": "Please send the receipt you were given."})
    listing = client.get("/me/complaints").get_data(as_text=True)
    assert "Gulf Crest Builders" in listing and "Received" in listing
    detail = client.get(f"/me/complaints/{case.id}").get_data(as_text=True)
    assert "Please send the receipt you were given." in detail and "Ministry reviewer" in detail
    assert "Anjali" not in detail and "Mason in Doha" in detail

    message = auth.post(f"/me/complaints/{case.id}/messages", {
        "form_token": form_tokens(client, f"/me/complaints/{case.id}")["form_token"],
        "message": "Here is the receipt."})
    assert message.status_code == 302
    assert "Here is the receipt." in client.get(f"/me/complaints/{case.id}").get_data(as_text=True)

    auth.logout()
    other = make.user("worker")
    auth.login(other.email, PASSWORD)
    assert client.get(f"/me/complaints/{case.id}").status_code == 404
    assert "Gulf Crest" not in client.get("/me/complaints").get_data(as_text=True)


def test_a_worker_cannot_complain_through_someone_elses_application(client, auth, make,
                                                                    grievance_keys):
    application = make.application(make.job())
    worker = make.user("worker")
    auth.login(worker.email, PASSWORD)
    tokens = form_tokens(client, "/me/complaints/new")
    response = client.post("/me/complaints/new", data={
        **tokens, "application": str(application.id), "category": "fees",
        "description": "Someone else's application."})
    assert response.status_code == 400
    assert "is not one of your applications" in response.get_data(as_text=True)


def test_the_default_limit_is_five_megabytes_per_file(client, grievance_keys):
    data = {**form_tokens(client), **report_data()}
    photo = media.geotagged_jpeg()
    big = services.Upload("big.jpg", photo + bytes(5 * 1024 * 1024 - len(photo) + 1))
    with pytest.raises(services.ValidationError) as refused:
        services.submit_report(data, [big], data["form_token"], fresh_work())
    assert refused.value.errors == {"attachments": "big.jpg is larger than 5 MB"}
    too_many = [services.Upload(f"p{i}.png", media.png_with_text()) for i in range(4)]
    with pytest.raises(services.ValidationError) as refused:
        services.submit_report(data, too_many, data["form_token"], fresh_work())
    assert refused.value.errors == {"attachments": "at most 3 files"}
