"""A video interview in a real browser (Debian Chromium via Playwright).

The employer proposes a time, the worker chooses it and joins the room; the page starts
the Jitsi IFrame API with the right domain, room and token, and a third user is refused.
Jitsi is unreachable here, so a TEST DOUBLE of Jitsi's external_api.js is served from a
loopback HTTP server of this module's own: it records the constructor's arguments in
`window.jitsiTestDouble` and frames a stand-in room page from the same server.
"""
from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import jwt
import pytest
from playwright.sync_api import Browser, Page, expect

from app.extensions import db
from tests.fixtures.builders import PASSWORD
from tests.test_browser import browser, live_server  # noqa: F401  (shared fixtures)

APP_ID = "faircorridor"
SECRET = "a-test-only-secret-that-is-long-enough-for-hs256"
NOT_FOUND = "This page does not exist, or you do not have access to it."

# The test double of Jitsi Meet's IFrame API script: no video, only a record of the call.
FAKE_EXTERNAL_API = b"""/* TEST DOUBLE of Jitsi Meet's external_api.js, served by a test. */
window.jitsiTestDouble = { calls: [] };
window.JitsiMeetExternalAPI = function (domain, options) {
  window.jitsiTestDouble.calls.push({
    domain: domain,
    roomName: options.roomName,
    jwt: options.jwt || null,
    userInfo: options.userInfo,
    configOverwrite: options.configOverwrite,
    parentNodeId: options.parentNode ? options.parentNode.id : null
  });
  var frame = document.createElement("iframe");
  frame.src = "http://" + domain + "/" + options.roomName;
  options.parentNode.appendChild(frame);
};
"""
FAKE_ROOM_PAGE = b"<!doctype html><title>room</title><p>Stand-in Jitsi room (test double)</p>"


class FakeJitsiHandler(BaseHTTPRequestHandler):
    """Serves the test double script and a stand-in room page; remembers every path."""

    paths: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.paths.append(self.path)
        script = self.path == "/external_api.js"
        body = FAKE_EXTERNAL_API if script else FAKE_ROOM_PAGE
        self.send_response(200)
        self.send_header("Content-Type", "text/javascript" if script else "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@dataclass
class FakeJitsi:
    domain: str  # host:port, as JITSI_DOMAIN
    paths: list[str]  # what the browser fetched from it


@pytest.fixture
def fake_jitsi(app, monkeypatch) -> Iterator[FakeJitsi]:
    """The test double Jitsi on a loopback port, and the app configured to use it."""
    handler = type("Handler", (FakeJitsiHandler,), {"paths": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="fake-jitsi", daemon=True)
    thread.start()
    domain = f"127.0.0.1:{server.server_port}"
    for key, value in {"JITSI_DOMAIN": domain,
                       "JITSI_SCHEME": "http", "JITSI_APP_ID": APP_ID,
                       "JITSI_APP_SECRET": SECRET, "JITSI_AUDIENCE": "jitsi"}.items():
        monkeypatch.setitem(app.config, key, value)
    try:
        yield FakeJitsi(domain, handler.paths)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def signed_in(browser: Browser, base: str, email: str) -> tuple[Page, list[str]]:
    """A new browser context signed in as `email`, and the console errors it will log."""
    page = browser.new_context().new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" else None)
    page.goto(f"{base}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: not url.endswith("/login"))
    return page, errors


def a_slot_soon() -> tuple[str, str, str, str]:
    """(zone, date, start, end): a 30-minute slot starting in about 10 minutes, in a zone
    where it does not cross midnight (the form takes one date per slot)."""
    start = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=11)
    for zone in ("Asia/Qatar", "Asia/Kathmandu", "America/New_York", "Pacific/Auckland"):
        local = start.astimezone(ZoneInfo(zone))
        if 0 < local.hour < 23:
            return zone, f"{local:%Y-%m-%d}", f"{local:%H:%M}", \
                f"{local + dt.timedelta(minutes=30):%H:%M}"
    raise AssertionError("no zone without midnight nearby")


def recorded_call(page: Page, timeout: float = 10.0) -> dict:
    """The one call the page made to the test double's constructor.

    Polled with page.evaluate, which the page's Content-Security-Policy does not govern
    (wait_for_function would need 'unsafe-eval', which the policy rightly refuses).
    """
    deadline = time.monotonic() + timeout
    calls = None
    while not calls and time.monotonic() < deadline:
        calls = page.evaluate("window.jitsiTestDouble ? window.jitsiTestDouble.calls : null")
        if not calls:
            page.wait_for_timeout(100)
    assert calls, "the page never started JitsiMeetExternalAPI"
    assert len(calls) == 1
    return calls[0]


def claims_of(token: str) -> dict:
    return jwt.decode(token, SECRET, algorithms=["HS256"], audience="jitsi", issuer=APP_ID)


@pytest.mark.browser
def test_both_sides_join_the_same_room_and_a_third_user_is_refused(browser, live_server,
                                                                   fake_jitsi, make):
    base, jitsi_domain = live_server, fake_jitsi.domain
    organisation = make.organisation("Lusail Builders")
    job = make.job(organisation, title="Scaffolder Doha")
    worker = make.user("worker", display_name="Sita Tamang", timezone="Asia/Kathmandu")
    application_id = make.application(job, worker, status="interview").id
    employer = make.user("employer", organisation=organisation, display_name="Omar Haddad")
    emails = {"worker": worker.email, "employer": employer.email,
              "outsider": make.member(make.organisation("Crane Services")).email,
              "other_worker": make.user("worker").email}
    db.session.close()  # end the test's transaction: the server reads committed rows only

    # The employer proposes a time in a zone of their choosing.
    zone, date, start, end = a_slot_soon()
    page, employer_errors = signed_in(browser, base, emails["employer"])
    page.goto(f"{base}/org/applications/{application_id}")
    page.get_by_role("link", name="Propose interview times").click()
    page.get_by_label("Time zone of the times below").select_option(zone)
    page.locator('[name="slots.1.date"]').fill(date)
    page.locator('[name="slots.1.start"]').fill(start)
    page.locator('[name="slots.1.end"]').fill(end)
    page.get_by_role("button", name="Send these times").click()
    expect(page.locator(".status")).to_contain_text("waiting for the candidate")
    interview_url = page.url

    # The worker sees it in Kathmandu time, chooses it and joins the room.
    worker_page, worker_errors = signed_in(browser, base, emails["worker"])
    worker_page.goto(f"{base}/me/applications/{application_id}")
    worker_page.get_by_role("link", name="Open the interview page").click()
    assert worker_page.url == interview_url
    choice = worker_page.get_by_label("Nepal Time, UTC+05:45")
    choice.check()
    worker_page.get_by_role("button", name="Choose this time").click()
    expect(worker_page.locator(".status")).to_contain_text("Scheduled")
    worker_page.get_by_role("link", name="Join the video interview").click()
    call = recorded_call(worker_page)
    room = call["roomName"]
    assert call["domain"] == jitsi_domain and len(room) == 40
    assert call["parentNodeId"] == "jitsi-room"
    assert call["userInfo"] == {"displayName": "Sita Tamang"}
    assert call["configOverwrite"]["startWithVideoMuted"] is True
    assert call["configOverwrite"]["resolution"] == 360
    worker_claims = claims_of(call["jwt"])
    assert worker_claims["room"] == room and worker_claims["sub"] == "127.0.0.1"
    assert worker_claims["moderator"] is False
    assert worker_claims["context"]["user"]["name"] == "Sita Tamang"
    assert "/external_api.js" in fake_jitsi.paths  # fetched from the configured domain
    # The policy admitted the script and the frame: the stand-in room is showing.
    expect(worker_page.frame_locator("#jitsi-room iframe").locator("p")).to_have_text(
        "Stand-in Jitsi room (test double)")
    app_link = worker_page.get_by_role("link", name="in the Jitsi Meet app")
    assert app_link.get_attribute("href") == \
        f"org.jitsi.meet://{jitsi_domain}/{room}?jwt={call['jwt']}"

    # The employer joins the same room, as moderator.
    page.goto(f"{interview_url}/room")
    employer_call = recorded_call(page)
    assert employer_call["roomName"] == room and employer_call["domain"] == jitsi_domain
    employer_claims = claims_of(employer_call["jwt"])
    assert employer_claims["room"] == room and employer_claims["moderator"] is True
    assert employer_claims["context"]["user"]["name"] == "Omar Haddad (Lusail Builders)"
    assert not [e for e in worker_errors + employer_errors if "Content Security Policy" in e]

    # Anyone else: not found, and no trace of the room.
    for who in ("outsider", "other_worker"):
        stranger, _ = signed_in(browser, base, emails[who])
        for url in (interview_url, f"{interview_url}/room"):
            response = stranger.goto(url)
            assert response is not None and response.status == 404, (who, url)
            expect(stranger.locator("main")).to_contain_text(NOT_FOUND)
            assert room not in stranger.content()
            assert stranger.evaluate("typeof window.jitsiTestDouble") == "undefined"
        stranger.context.close()
    page.context.close()
    worker_page.context.close()
