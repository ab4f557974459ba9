"""On a 360×740 phone, a worker who applies to a flagged agency with an expired licence
sees the warning page first, can report it or pick a safer job, and can still apply."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.extensions import db
from tests.fixtures.builders import PASSWORD
from tests.fixtures.recruiters import trap
from tests.test_browser import browser, live_server  # noqa: F401 (fixtures)

PHONE = {"width": 360, "height": 740}


@pytest.mark.browser
def test_a_worker_is_warned_before_applying_to_a_trap_and_may_go_on(browser, live_server,  # noqa: F811
                                                                     make):
    base = live_server
    job = trap(make)
    safer = make.job(make.organisation("Fair Masons", tier="vetted"), title="Block mason Lusail",
                     occupation="bricklayer")
    job_id, job_title, safer_id = job.id, job.title, safer.id
    email = make.user("worker").email
    db.session.close()  # the server reads committed rows only

    context = browser.new_context(viewport=PHONE, locale="en-GB")
    page = context.new_page()
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(f"{base}/login")

    page.goto(f"{base}/corridors/NP-QA")
    card = page.locator("li.card").filter(has_text=job_title)
    expect(card.locator(".verdict")).to_contain_text("⚠ Recruiter: Flagged")
    card.get_by_role("link", name=job_title).click()
    page.get_by_label("A message to the employer").fill("Ten years of blockwork")
    page.get_by_role("button", name="Apply for this job").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Wait before you apply")
    expect(page.locator(".alert")).to_contain_text("is flagged")
    expect(page.locator(".licence")).to_contain_text("Licence expired")
    expect(page.locator("ul.reasons li").first).to_be_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    expect(page.get_by_role("link", name="Block mason Lusail")).to_have_attribute(
        "href", f"/jobs/{safer_id}")
    page.locator("main").get_by_role("link", name="Report abuse").click()
    expect(page).to_have_url(f"{base}/report")
    page.go_back()

    page.get_by_role("button", name="I understand the risk. Apply anyway").click()
    expect(page).to_have_url(f"{base}/me/applications")
    expect(page.get_by_role("status")).to_contain_text("Your application was sent")
    expect(page.locator("li.card").filter(has_text=job_title)).to_be_visible()
    page.goto(f"{base}/jobs/{job_id}")
    expect(page.locator("main")).to_contain_text("You have applied to this job.")
    context.close()
