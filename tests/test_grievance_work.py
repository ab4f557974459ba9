"""Receipt checks and reports cost their sender work, and never lock out other reporters."""
from __future__ import annotations

import re
import secrets
import time

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from grievance import proof, work
from grievance.models import GrievanceCase, ReceiptAttempts, UsedChallenge
from grievance.receipts import ALPHABET
from tests.fixtures.grievance import (form_tokens, grievance_keys,  # noqa: F401
                                      receipt_of, report_data, submit_report)
from tests.test_browser import browser, live_server  # noqa: F401

KEY = b"k" * 32


def _follow_up(client, receipt, **changes):
    data = {**form_tokens(client, "/report/follow-up"), "receipt": receipt, **changes}
    return client.post("/report/follow-up", data=data)


def _random_receipt() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(25))


def _issued(app, purpose: str, seconds_ago: float) -> work.Challenge:
    with app.test_request_context():
        return work.issue(proof._key(), purpose, app.config["GRIEVANCE_POW_BITS"],
                          time.time() - seconds_ago)


def test_a_challenge_is_bound_to_its_form_and_costs_the_stated_bits():
    challenge = work.issue(KEY, "follow-up", 12, time.time())
    assert work.read(KEY, "follow-up", challenge.text) == challenge
    assert work.read(KEY, "report", challenge.text) is None  # another form's
    assert work.read(b"x" * 32, "follow-up", challenge.text) is None  # another site's
    tampered = challenge.text[:-3] + ("AAA" if challenge.text[-3:] != "AAA" else "BBB")
    assert work.read(KEY, "follow-up", tampered) is None
    assert work.read(KEY, "follow-up", "not base64!") is None
    nonce = work.solve(challenge)
    assert work.solves(challenge, nonce)
    assert not work.solves(challenge, str(int(nonce) - 1) if nonce != "0" else "x")
    assert not work.solves(challenge, "") and not work.solves(challenge, "1" * 21)
    assert work.leading_zero_bits(b"\x00\x0f" + b"\xff" * 30) == 12


def test_a_real_receipt_still_opens_after_310_wrong_ones_from_one_client(client,
                                                                         grievance_keys):
    receipt = receipt_of(submit_report(client))
    for _ in range(310):
        assert _follow_up(client, _random_receipt()).status_code == 400
    response = _follow_up(client, receipt)
    assert response.status_code == 200
    assert "Kestrelmoor" in response.get_data(as_text=True)
    # What was kept: a count per receipt id and a hash per spent challenge, nothing else.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UsedChallenge)) == 312
    assert all(len(scope) == 5 for scope in db.session.scalars(sa.select(ReceiptAttempts.scope)))


def _refusal(response) -> str:
    html = response.get_data(as_text=True).replace("&#39;", "'")
    assert response.status_code == 400 and 'href="#f-check">check</a>' in html
    return html


def test_missing_wrong_reused_expired_or_borrowed_work_is_refused_clearly(app, client,
                                                                          grievance_keys):
    receipt = receipt_of(submit_report(client))
    assert "is missing" in _refusal(_follow_up(client, receipt, work_challenge="", work_nonce=""))
    tokens = form_tokens(client, "/report/follow-up")
    challenge = work.Challenge(tokens["work_challenge"], 0, app.config["GRIEVANCE_POW_BITS"])
    wrong = next(str(n) for n in range(10**6) if not work.solves(challenge, str(n)))
    assert "did not pass" in _refusal(_follow_up(client, receipt, work_challenge=challenge.text,
                                                 work_nonce=wrong))
    assert _follow_up(client, receipt, **tokens).status_code == 200
    assert "was already used" in _refusal(_follow_up(client, receipt, **tokens))
    old = _issued(app, "follow-up", app.config["GRIEVANCE_POW_MAX_AGE"] + 5)
    assert "is too old" in _refusal(_follow_up(client, receipt, work_challenge=old.text,
                                               work_nonce=work.solve(old)))
    borrowed = form_tokens(client, "/report")  # solved for the report form, not this one
    assert "did not pass" in _refusal(_follow_up(
        client, receipt, work_challenge=borrowed["work_challenge"],
        work_nonce=borrowed["work_nonce"]))
    assert "did not pass" in _refusal(submit_report(client, work_nonce="abc"))


def test_without_javascript_a_form_is_accepted_after_the_wait(app, client, grievance_keys,
                                                             monkeypatch):
    monkeypatch.setitem(app.config, "GRIEVANCE_POW_WAIT_SECONDS", 30)
    page = client.get("/report").get_data(as_text=True)
    assert "Without JavaScript, this form can be sent 30 seconds after this page opened." in page
    early = submit_report(client, work_nonce="")
    html = _refusal(early)
    assert "needs a moment: wait 30 seconds" in html or "wait 31 seconds" in html
    sent_back = re.search(r'name="work_challenge" value="([^"]+)"', html).group(1)
    data = {**form_tokens(client), **report_data()}
    assert sent_back == re.search(r'name="work_challenge" value="([^"]+)"', client.post(
        "/report", data={**data, "work_challenge": sent_back, "work_nonce": ""}
    ).get_data(as_text=True)).group(1)  # sent too early, the form keeps its waiting time
    waited = _issued(app, "report", 31)
    response = client.post("/report", data={**data, "work_challenge": waited.text,
                                            "work_nonce": ""})
    assert response.status_code == 200 and receipt_of(response)


@pytest.mark.browser
def test_a_browser_with_javascript_does_the_work_and_reports(app, browser, live_server, make,
                                                            grievance_keys, monkeypatch):
    # Only the script's answer can pass: the wait for a browser without it is an hour.
    monkeypatch.setitem(app.config, "GRIEVANCE_POW_BITS", 14)
    monkeypatch.setitem(app.config, "GRIEVANCE_POW_WAIT_SECONDS", 3600)
    make.corridor("NP-QA")
    db.session.close()
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if "Refused" in m.text else None)
    page.goto(f"{live_server}/report")
    page.get_by_label("…or type its name").fill("Himal Overseas Manpower")
    page.get_by_label("My passport or documents were taken or kept").check()
    page.get_by_label("Tell us what happened").fill("The agent kept my passport in Kathmandu.")
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your report was received")
    receipt = page.locator("#receipt").inner_text().strip()

    page.goto(f"{live_server}/report/follow-up")
    page.get_by_label("Receipt").fill(receipt)
    page.get_by_role("button", name="Open my report").click()
    expect(page.get_by_text("The agent kept my passport in Kathmandu.")).to_be_visible()
    page.get_by_label("Your message").fill("It was the office near the bus park.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("status")).to_have_text("Your message was sent.")
    assert errors == []  # the script ran, and the page's policy let it
    db.session.close()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GrievanceCase)) == 1


@pytest.mark.browser
def test_a_browser_without_javascript_waits_then_reports(app, browser, live_server,
                                                        grievance_keys, monkeypatch):
    monkeypatch.setitem(app.config, "GRIEVANCE_POW_WAIT_SECONDS", 3)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/report")
    expect(page.get_by_text("Without JavaScript, this form can be sent 3 seconds after this "
                            "page opened.")).to_be_visible()
    page.get_by_label("…or type its name").fill("Himal Overseas Manpower")
    page.get_by_label("My passport or documents were taken or kept").check()
    page.get_by_label("Tell us what happened").fill("The agent kept my passport in Kathmandu.")
    page.get_by_role("button", name="Send the report").click()  # at once: too early
    expect(page.locator("p.error")).to_contain_text(re.compile("needs a moment: wait [1-3] second"))
    page.wait_for_timeout(3500)
    page.get_by_role("button", name="Send the report").click()  # the typed words were kept
    expect(page.get_by_role("heading", level=1)).to_have_text("Your report was received")
    context.close()
