"""An anonymous reporter in headless Chromium, JavaScript off: report, receipt, reply, answer."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from grievance import casework, crypto, keyring
from grievance.models import GrievanceCase
from tests.fixtures import media
from tests.fixtures.grievance import PASSPHRASE, grievance_keys  # noqa: F401
from tests.test_browser import browser, live_server  # noqa: F401


@pytest.mark.browser
def test_anonymous_report_with_a_photo_then_a_reply_and_an_answer(browser, live_server, make,
                                                                  grievance_keys):
    base = live_server
    make.corridor("NP-QA")
    reviewer = make.user("reviewer", display_name="Officer Anjali Rao")
    db.session.close()  # the server reads committed rows only

    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{base}/")
    page.get_by_role("link", name="Report abuse").click()
    expect(page).to_have_url(f"{base}/report")
    page.get_by_label("…or type its name").fill("Himal Overseas Manpower")
    page.get_by_label("Corridor (optional)").select_option("NP-QA")
    page.get_by_label("My passport or documents were taken or kept").check()
    page.get_by_label("Tell us what happened").fill(
        "The agent kept my passport in Kathmandu until I paid 80000 rupees.")
    page.get_by_label("Photos or documents (optional)").set_input_files(
        {"name": "receipt-photo.jpg", "mimeType": "image/jpeg", "buffer": media.geotagged_jpeg()})
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your report was received")
    expect(page.get_by_text("We cannot show it again or recover it.")).to_be_visible()
    receipt = page.locator("#receipt").inner_text().strip()

    case_id = db.session.scalar(sa.select(GrievanceCase.id))
    casework.reply(db.session.merge(reviewer), case_id,
                   {"message": "Thank you. Which office of the agency was it?"})
    db.session.close()

    page.goto(f"{base}/")
    page.get_by_role("link", name="Follow up a report").click()
    page.get_by_label("Receipt").fill(receipt.lower())
    page.get_by_role("button", name="Open my report").click()
    expect(page.get_by_text("Thank you. Which office of the agency was it?")).to_be_visible()
    expect(page.locator(".message.reviewer .author")).to_have_text("Ministry reviewer")
    expect(page.get_by_text("attachment-1.jpg")).to_be_visible()  # never the sent name
    page.get_by_label("Your message").fill("The office near Gongabu bus park.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("status")).to_have_text("Your message was sent.")
    expect(page.get_by_text("The office near Gongabu bus park.")).to_be_visible()
    context.close()
    db.session.close()

    private = crypto.unlock_private_key(keyring.locked_key(keyring.active_key()), PASSPHRASE)
    reviewer = db.session.merge(reviewer)
    view = casework.reviewer_case(reviewer, case_id, private)
    assert [entry.text for entry in view.entries] == [
        "Thank you. Which office of the agency was it?", "The office near Gongabu bus park."]
    assert view.report["corridor"] == "NP-QA"
    photo = casework.attachment(reviewer, case_id, view.report_files[0].id, private)[1]
    assert media.GPS_MARK not in photo and media.CAMERA not in photo
