"""The worker-to-employer journey in a real browser (Debian Chromium via Playwright).

A worker with JavaScript switched off registers, finds a Nepal → Qatar job and
applies; the hiring organisation sees the application; another organisation cannot.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from werkzeug.serving import make_server

from app.extensions import db
from tests.fixtures.builders import PASSWORD

CHROMIUM = "/usr/bin/chromium"
# No sandbox: the suite may run as root in a container. The rest keeps Chromium
# from reaching the network on its own (updates, sync, safe browsing lists).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WORKER_NAME = "Sita Tamang"
NOT_FOUND = "This page does not exist, or you do not have access to it."


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The session app on a free loopback port, one thread per request.

    Flask pushes a fresh app context (hence a fresh database session) for every
    request, so the server never shares the test's session. The autouse
    `_clean_database` fixture is set up before this one and so torn down after it:
    the server has stopped before the tables are emptied.
    """
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def browser() -> Iterator[Browser]:
    """Debian's Chromium; Playwright never downloads a browser here."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{base}/org")


def reachable_pages(page: Page, base: str, start: str, limit: int = 60) -> dict[str, str]:
    """The HTML of every same-site page linked from `start` (breadth first, GET links)."""
    pages: dict[str, str] = {}
    seen, queue = {start}, [start]
    while queue and len(pages) < limit:
        url = queue.pop(0)
        response = page.goto(url)
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        pages[url] = page.content()
        for href in page.locator("a[href]").evaluate_all("els => els.map(e => e.href)"):
            target = urldefrag(urljoin(url, href)).url
            # The language switch links every page to itself in each language: not new pages.
            same_site = urlsplit(target).netloc == urlsplit(base).netloc
            if same_site and "lang=" not in urlsplit(target).query and target not in seen:
                seen.add(target)
                queue.append(target)
    return pages


def worker_applies(browser: Browser, base: str, job_title: str) -> None:
    """Register, browse home → corridor → job, apply, follow the status; no JavaScript."""
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{base}/register")
    page.get_by_label("Your name").fill(WORKER_NAME)
    page.get_by_label("E-mail").fill("sita.browser@example.org")
    page.get_by_label("Password").fill("a-long-password")
    page.get_by_role("button", name="Register").click()
    expect(page).to_have_url(f"{base}/profile")

    page.get_by_role("link", name="FairCorridor", exact=True).click()
    expect(page).to_have_url(f"{base}/")
    page.get_by_role("link", name="Nepal → Qatar").click()
    expect(page).to_have_url(f"{base}/corridors/NP-QA")
    page.get_by_role("link", name=job_title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(job_title)

    page.get_by_label("A message to the employer").fill("Four years of scaffolding in Doha.")
    page.get_by_role("button", name="Apply for this job").click()
    expect(page).to_have_url(f"{base}/me/applications")
    expect(page.get_by_role("status")).to_contain_text("Your application was sent")
    card = page.locator("li.card").filter(has_text=job_title)
    expect(card.locator(".status")).to_have_text("Received")
    context.close()


@pytest.mark.browser
def test_worker_applies_and_only_the_hiring_organisation_sees_it(browser, live_server, make):
    base = live_server
    job = make.job(make.organisation("Lusail Builders"), title="Scaffolder Doha")
    job_id, job_title = job.id, job.title
    employer = make.member(job.organisation).email
    outsider = make.member(make.organisation("Other Contracting")).email
    db.session.close()  # end the test's transaction: the server reads committed rows only

    worker_applies(browser, base, job_title)

    context = browser.new_context()
    page = context.new_page()
    sign_in(page, base, employer)
    job_row = page.get_by_role("listitem").filter(has_text=job_title)
    job_row.get_by_role("link", name="1 new applicant of 1").click()
    expect(page).to_have_url(f"{base}/org/jobs/{job_id}/applicants")
    row = page.get_by_role("listitem").filter(has_text=WORKER_NAME)
    expect(row).to_contain_text("Received")
    row.get_by_role("link", name=WORKER_NAME).click()
    expect(page.locator(".prose")).to_have_text("Four years of scaffolding in Doha.")
    application_url = page.url
    context.close()

    context = browser.new_context()
    page = context.new_page()
    sign_in(page, base, outsider)
    for url in (f"{base}/org/jobs/{job_id}/applicants", application_url):
        response = page.goto(url)
        assert response is not None and response.status == 404, url
        expect(page.locator("main")).to_contain_text(NOT_FOUND)
        expect(page.locator("body")).not_to_contain_text(WORKER_NAME)
    reached = reachable_pages(page, base, f"{base}/org")
    assert f"{base}/jobs/{job_id}" in reached  # the crawl did get as far as the job itself
    assert [url for url, html in reached.items() if WORKER_NAME in html] == []
    context.close()
