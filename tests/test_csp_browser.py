"""No page breaks under the Content-Security-Policy: Debian's Chromium loads pages of every
kind and reports no violation (an inline script or style, a resource from elsewhere)."""
from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

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


@pytest.mark.browser
def test_signed_in_pages_load_without_a_policy_violation(browser, live_server, make):
    member = make.member(make.organisation("Lusail Builders"))
    worker = make.user("worker")
    emails = (member.email, worker.email)
    db.session.close()
    for email, paths in zip(emails, (["/org", "/org/jobs/new", "/account/api-token"],
                                     ["/me/applications", "/profile", "/me/complaints/new"])):
        context = _context(browser)
        try:
            page = context.new_page()
            page.goto(f"{live_server}/login")
            page.get_by_label("E-mail").fill(email)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_load_state("load")
            assert _visit_all(page, live_server, paths) == []
        finally:
            context.close()
