"""Reviewers sign in with a password and a TOTP code; codes cannot be guessed or replayed."""
from __future__ import annotations

import re
import time

import pyotp
import pytest

from app.accounts import second_factor
from app.errors import ValidationError
from app.extensions import db
from tests.conftest import CSRF_RE, SECRET_RE
from tests.fixtures.builders import PASSWORD


def _password_step(auth, email):
    return auth.client.post("/login", data={"email": email, "password": PASSWORD,
                                            "csrf_token": auth.csrf_token()})


def test_reviewer_enrols_then_needs_a_code_every_time(client, auth, make):
    reviewer = make.user("reviewer")
    response = _password_step(auth, reviewer.email)
    assert response.headers["Location"] == "/login/code"
    assert client.get("/admin/audit").status_code == 302  # not signed in yet

    page = client.get("/login/code").get_data(as_text=True)
    secret = SECRET_RE.search(page).group(1)
    wrong = client.post("/login/code", data={"code": "000000",
                                             "csrf_token": CSRF_RE.search(page).group(1)})
    assert wrong.status_code == 400 and "code" in wrong.get_data(as_text=True)
    good = client.post("/login/code", data={"code": pyotp.TOTP(secret).now(),
                                            "csrf_token": CSRF_RE.search(page).group(1)})
    assert good.status_code == 302
    assert client.get("/admin/audit").status_code == 200
    db.session.refresh(reviewer)
    assert reviewer.totp_secret == secret

    auth.logout()
    _password_step(auth, reviewer.email)
    page = client.get("/login/code").get_data(as_text=True)
    assert SECRET_RE.search(page) is None  # enrolled: the key is never shown again


def test_five_wrong_codes_end_the_attempt(client, auth, make):
    reviewer = make.user("reviewer")
    _password_step(auth, reviewer.email)
    for _ in range(5):
        page = client.get("/login/code").get_data(as_text=True)
        response = client.post("/login/code", data={"code": "123456",
                                                    "csrf_token": CSRF_RE.search(page).group(1)})
    assert response.headers["Location"] == "/login"
    assert client.get("/login/code").headers["Location"] == "/login"
    # The lock is on the account: signing in again with the password does not lift it,
    # even with the right code.
    db.session.refresh(reviewer)
    assert reviewer.totp_locked_until is not None
    _password_step(auth, reviewer.email)
    page = client.get("/login/code")
    assert page.headers["Location"] == "/login"


def test_workers_do_not_need_a_code(auth, make):
    worker = make.user("worker")
    assert _password_step(auth, worker.email).headers["Location"] == "/me/applications"


def test_a_code_cannot_be_replayed(make):
    reviewer = make.user("reviewer")
    secret = second_factor.new_secret()
    now = time.time()
    code = pyotp.TOTP(secret).at(now)
    second_factor.verify(reviewer, code, enrol_secret=secret, now=now)
    with pytest.raises(ValidationError) as error:
        second_factor.verify(reviewer, code, now=now + 1)
    assert "code" in error.value.errors
    assert re.fullmatch(r"otpauth://totp/.+issuer=FairCorridor",
                        second_factor.provisioning_uri(reviewer, secret))
