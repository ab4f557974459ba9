"""No page breaks under the Content-Security-Policy: Debian's Chromium loads pages of every
kind and reports no violation (an inline script or style, a resource from elsewhere)."""
from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect

from app.accounts import enrolment, second_factor
from app.extensions import db
from tests.fixtures.builders import PASSWORD
from tests.fixtures.grievance import grievance_keys  # noqa: F401  (fixture)
from tests.test_browser import browser, live_server  # noqa: F401  (shared fixtures)

# Runs before any page script; Playwright injects it outside the page's policy.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});
"""


class Violations:
    """Console errors and page errors that a policy caused, per page."""

    def __init__(self, page: Page) -> None:
        self.found: list[str] = []
        self.url = ""
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.found.append(f"{self.url}: {error}"))

    def _console(self, message) -> None:
        text = message.text
        if message.type == "error" and ("Content Security Policy" in text
                                        or "CSP violation" in text):
            self.found.append(f"{self.url}: {text}")


def _visit_all(page: Page, base: str, paths: list[str]) -> list[str]:
    violations = Violations(page)
    for path in paths:
        violations.url = path
        response = page.goto(base + path)
        assert response is not None and response.status < 500, path
        page.wait_for_load_state("load")
    return violations.found


def _context(browser: Browser):
    context = browser.new_context()
    context.add_init_script(REPORT_VIOLATIONS)
    return context


@pytest.mark.browser
def test_public_pages_load_without_a_policy_violation(browser, live_server, make,
                                                      grievance_keys):  # noqa: F811
    job = make.job(make.organisation("Lusail Builders", tier="vetted"))
    paths = ["/", f"/corridors/{job.corridor.code}", f"/jobs/{job.id}", "/search?q=electrician",
             "/login", "/register", "/report", "/report/follow-up", "/register/",
             f"/organisations/{job.organisation_id}", "/no-such-page"]
    db.session.close()  # the server reads committed rows only
    context = _context(browser)
    try:
        assert _visit_all(context.new_page(), live_server, paths) == []
    finally:
        context.close()


def _sign_in(page: Page, base: str, email: str, secret: str | None) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if secret:  # an admin or reviewer: the code comes next
        page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state("load")


@pytest.mark.browser
def test_signed_in_pages_load_without_a_policy_violation(browser, live_server, make,
                                                         grievance_keys):  # noqa: F811
    job = make.job(make.organisation("Lusail Builders"))
    member, worker = make.member(job.organisation), make.user("worker")
    reviewer, admin = make.user("reviewer"), make.user("admin")
    accounts = [
        (member.email, None, ["/org", "/org/jobs/new", "/account/api-token"]),
        (worker.email, None, ["/me/applications", "/profile", "/me/complaints/new"]),
        (reviewer.email, second_factor.secret_of(reviewer),
         ["/review/", f"/review/organisations/{job.organisation_id}", "/review/grievances",
          "/review/grievances/unlock", "/review/statistics/", "/review/reviews/"]),
        (admin.email, second_factor.secret_of(admin),
         ["/admin/", "/admin/users", f"/admin/users/{reviewer.id}", "/admin/audit"]),
    ]
    db.session.close()
    for email, secret, paths in accounts:
        context = _context(browser)
        try:
            page = context.new_page()
            _sign_in(page, live_server, email, secret)
            assert _visit_all(page, live_server, paths) == []
        finally:
            context.close()


@pytest.mark.browser
def test_the_set_up_page_shows_its_qr_code_under_the_policy(browser, live_server, make):
    reviewer = make.user("reviewer", enrolled=False)
    token = enrolment.issue_link(make.user("admin"), reviewer.id)
    db.session.close()
    context = _context(browser)
    try:
        page = context.new_page()
        violations = Violations(page)
        page.goto(f"{live_server}/second-factor/{token}")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Continue").click()
        qr = page.locator("figure.qr-code svg")
        expect(qr).to_be_visible()
        assert qr.bounding_box()["width"] >= 150  # large enough for a phone's camera
        expect(page.locator("#totp-key")).to_have_text(re.compile(r"^[A-Z2-7]{32}$"))
        assert violations.found == []
    finally:
        context.close()
