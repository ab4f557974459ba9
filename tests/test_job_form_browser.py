"""Posting a job on a phone (360×740, Debian Chromium via Playwright, JavaScript off): the
corridor first, then a short form whose costs take one tick, no horizontal scrolling."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from app.extensions import db
from app.jobs.models import JobPosting
from app.timeutil import today
from tests.fixtures.builders import PASSWORD
from tests.test_browser import browser, live_server  # noqa: F401  (shared fixtures)

PHONE = {"width": 360, "height": 740}


def fits_the_screen(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways: {width}px"


def signed_in_phone(browser: Browser, base: str, email: str) -> Page:
    page = browser.new_context(viewport=PHONE, java_script_enabled=False).new_page()
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/org")
    return page


@pytest.mark.browser
def test_an_employer_posts_a_job_on_a_phone_with_one_tick_for_the_costs(browser, live_server,
                                                                        make):
    make.corridor("NP-QA"), make.corridor("PH-AE"), make.occupation("building electrician")
    email = make.member(make.organisation("Lusail Builders", country="QA")).email
    db.session.close()  # the server reads committed rows only
    page = signed_in_phone(browser, live_server, email)
    fits_the_screen(page)  # the dashboard's list of jobs too

    page.get_by_role("link", name="Post a job").click()
    expect(page.get_by_label("Nepal → Qatar")).to_be_checked()
    fits_the_screen(page)
    page.get_by_role("button", name="Continue").click()

    expect(page.locator(".corridor-chosen")).to_contain_text("Nepal → Qatar")
    expect(page.locator("[name=wage_currency]")).to_have_value("QAR")
    expect(page.get_by_label("Nepali")).to_be_checked()
    box = page.get_by_label("The employer pays all recruitment costs")
    expect(box).to_be_checked()
    expect(page.locator("details.cost-details")).to_be_hidden()  # ten costs, out of the way
    fits_the_screen(page)

    # Unticked, each cost can be declared; an amount is asked only where the worker pays.
    box.uncheck()
    page.locator("details.cost-details summary").click()
    visa = page.get_by_label("Visa and work permit")
    expect(visa).to_have_value("employer")
    amount = page.locator('[name="costs.visa_work_permit.amount"]')
    expect(amount).to_be_hidden()
    visa.select_option("worker")
    expect(amount).to_be_visible()
    fits_the_screen(page)
    visa.select_option("employer")
    box.check()

    page.get_by_label("Job title").fill("Building electrician, Lusail towers")
    page.get_by_label("Occupation (ESCO)").fill("building electrician")
    page.get_by_label("Description").fill(
        "Install and maintain wiring on residential towers in Lusail. The employer pays all "
        "recruitment costs, including visa and ticket.")
    page.locator("[name=wage_amount]").fill("1800")
    page.get_by_label("Hours per week").fill("48")
    page.get_by_label("Accommodation").select_option("provided_free")
    page.get_by_label("Open until").fill((today() + dt.timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Publish").click()

    expect(page.locator("h1")).to_have_text("Building electrician, Lusail towers")
    job = db.session.scalar(sa.select(JobPosting))
    assert job.wage_currency == "QAR" and job.contract_languages == ["ne", "en"]
    assert {cost.payer for cost in job.costs} == {"employer"}
