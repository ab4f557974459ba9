"""Admins and reviewers sign in with a password and a TOTP code. An authenticator is set up
only through a one-time link an admin issues; secrets are sealed at rest; recovery codes
are shown once, kept hashed and work once each."""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import time

import pyotp
import pytest
import sqlalchemy as sa

from app.accounts import enrolment, second_factor, secret_box
from app.accounts.models import RecoveryCode, SecondFactorLink, User
from app.errors import ValidationError
from app.extensions import db
from app.timeutil import utcnow
from tests.conftest import CSRF_RE
from tests.fixtures.builders import PASSWORD

LINK_RE = re.compile(r'<pre class="receipt">http://localhost(/second-factor/[\w-]+)</pre>')
KEY_RE = re.compile(r'<pre class="receipt" id="totp-key">([A-Z2-7]+)</pre>')
CODES_RE = re.compile(r"\b[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}\b")


def _password_step(auth, email):
    return auth.client.post("/login", data={"email": email, "password": PASSWORD,
                                            "csrf_token": auth.csrf_token()})


def _code_step(client, code: str):
    page = client.get("/login/code").get_data(as_text=True)
    return client.post("/login/code", data={"code": code,
                                            "csrf_token": CSRF_RE.search(page).group(1)})


def _form(client, path: str, **data):
    page = client.get(path).get_data(as_text=True)
    return client.post(path, data={**data, "csrf_token": CSRF_RE.search(page).group(1)})


def _issue_link(client, auth, make, reviewer) -> str:
    """An admin signs in (with their own code) and makes `reviewer` a set-up link."""
    admin = make.user("admin")
    auth.login(admin.email)
    shown = auth.post(f"/admin/users/{reviewer.id}/second-factor")
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    auth.logout()
    return LINK_RE.search(shown.get_data(as_text=True)).group(1)


def _set_up(client, path: str) -> tuple[str, list[str]]:
    scan = _form(client, path, step="password", password=PASSWORD)
    secret = KEY_RE.search(scan.get_data(as_text=True)).group(1)
    done = _form(client, path, step="code", code=pyotp.TOTP(secret).now())
    assert done.status_code == 200, done.get_data(as_text=True)
    return secret, CODES_RE.findall(done.get_data(as_text=True))


def test_a_reviewer_without_an_authenticator_is_refused_and_never_shown_a_key(client, auth,
                                                                             make):
    reviewer = make.user("reviewer", enrolled=False)
    response = _password_step(auth, reviewer.email)
    assert response.status_code == 403
    assert "Ask an administrator for a set-up link" in response.get_data(as_text=True)
    assert client.get("/login/code").headers["Location"] == "/login"  # no first-come enrolment
    assert client.get("/review/").status_code == 302


def test_set_up_through_an_admins_link_then_sign_in_lands_on_the_review_queue(client, auth,
                                                                             make):
    reviewer = make.user("reviewer", enrolled=False)
    path = _issue_link(client, auth, make, reviewer)
    token = path.rsplit("/", 1)[1]
    link = db.session.scalar(sa.select(SecondFactorLink))
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()  # kept hashed only

    first = client.get(path)
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-store"
    assert KEY_RE.search(first.get_data(as_text=True)) is None  # no key before the password
    wrong = _form(client, path, step="password", password="not the password")
    assert wrong.status_code == 400 and KEY_RE.search(wrong.get_data(as_text=True)) is None

    scan = _form(client, path, step="password", password=PASSWORD)
    page = scan.get_data(as_text=True)
    assert scan.headers["Cache-Control"] == "no-store"
    secret = KEY_RE.search(page).group(1)
    assert re.search(r'<figure class="qr-code"><svg viewBox="[\d ]+" class="qr">', page)
    assert "<path" in page and "otpauth://" not in page.split("<figure")[0]
    assert _form(client, path, step="code", code="000000").status_code == 400

    done = _form(client, path, step="code", code=pyotp.TOTP(secret).now())
    codes = CODES_RE.findall(done.get_data(as_text=True))
    assert len(set(codes)) == 10 and done.headers["Cache-Control"] == "no-store"
    assert client.get(path).status_code == 404  # a link works once

    assert _password_step(auth, reviewer.email).headers["Location"] == "/login/code"
    step = int(time.time() // 30) + 1  # the set-up used this step's code already
    signed_in = _code_step(client, pyotp.TOTP(secret).at(step * 30))
    assert signed_in.headers["Location"] == "/review/"
    assert client.get("/review/").status_code == 200


def test_links_expire_and_a_new_one_replaces_the_old(client, auth, make):
    reviewer = make.user("reviewer", enrolled=False)
    admin = make.user("admin")
    old = enrolment.issue_link(admin, reviewer.id)
    new = enrolment.issue_link(admin, reviewer.id)
    assert client.get(f"/second-factor/{old}").status_code == 404
    assert client.get(f"/second-factor/{new}").status_code == 200
    link = db.session.scalar(sa.select(SecondFactorLink).where(
        SecondFactorLink.used_at.is_(None)))
    link.expires_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    expired = client.get(f"/second-factor/{new}")
    assert expired.status_code == 404
    assert "Ask an administrator for a new link" in expired.get_data(as_text=True)


def test_wrong_passwords_spend_the_link(client, auth, make):
    reviewer = make.user("reviewer", enrolled=False)
    path = f"/second-factor/{enrolment.issue_link(make.user('admin'), reviewer.id)}"
    answers = [_form(client, path, step="password", password="guess").status_code
               for _ in range(enrolment.MAX_FAILURES)]
    assert answers == [400] * (enrolment.MAX_FAILURES - 1) + [404]
    assert auth.post(path, {"step": "password", "password": PASSWORD}).status_code == 404


def test_only_admins_issue_links_and_only_for_accounts_with_a_second_factor(make):
    admin, reviewer, worker = make.user("admin"), make.user("reviewer"), make.user("worker")
    with pytest.raises(enrolment.PermissionDenied):
        enrolment.issue_link(reviewer, worker.id)
    with pytest.raises(ValidationError) as error:
        enrolment.issue_link(admin, worker.id)
    assert "role" in error.value.errors


def test_admins_need_a_code_too(client, auth, make):
    admin = make.user("admin")
    assert _password_step(auth, admin.email).headers["Location"] == "/login/code"
    assert client.get("/admin/").status_code == 302


def test_recovery_codes_are_kept_hashed_and_work_once_each(client, auth, make):
    reviewer = make.user("reviewer", enrolled=False)
    _secret, codes = _set_up(client, _issue_link(client, auth, make, reviewer))
    stored = set(db.session.scalars(sa.select(RecoveryCode.code_hash)
                                    .where(RecoveryCode.user_id == reviewer.id)))
    assert len(stored) == 10 and not any(code.replace("-", "") in stored for code in codes)

    _password_step(auth, reviewer.email)
    assert _code_step(client, codes[0].upper()).headers["Location"] == "/review/"
    auth.logout()
    _password_step(auth, reviewer.email)
    assert _code_step(client, codes[0]).status_code == 400  # spent
    assert _code_step(client, codes[1].replace("-", " ")).status_code == 302


def test_secrets_are_sealed_at_rest_and_bound_to_their_account(app, make):
    reviewer, other = make.user("reviewer"), make.user("reviewer")
    secret = second_factor.secret_of(reviewer)
    raw = db.session.execute(sa.text("SELECT totp_secret_box FROM users WHERE id = :id"),
                             {"id": reviewer.id}).scalar_one()
    assert secret.encode() not in bytes(raw)
    key = secret_box.key_from_config(app.config)
    with pytest.raises(secret_box.BoxDoesNotOpen):
        secret_box.unseal(key, bytes(raw), other.id)  # copied onto another account
    with pytest.raises(secret_box.BoxDoesNotOpen):
        secret_box.unseal(secret_box.derive_key("another key", b"fc-totp-secrets"),
                          bytes(raw), reviewer.id)
    assert secret_box.key_from_config({"TOTP_ENCRYPTION_KEY": "k" * 40, "SECRET_KEY": "s"}) \
        != secret_box.key_from_config({"SECRET_KEY": "s"}) != secret_box.derive_key(
            "s", b"fc-totp-secrets")


def test_five_wrong_codes_end_the_attempt(client, auth, make):
    reviewer = make.user("reviewer")
    _password_step(auth, reviewer.email)
    for _ in range(5):
        response = _code_step(client, "123456")
    assert response.headers["Location"] == "/login"
    assert client.get("/login/code").headers["Location"] == "/login"
    # The lock is on the account: signing in again with the password does not lift it,
    # even with the right code.
    db.session.refresh(reviewer)
    assert reviewer.totp_locked_until is not None
    _password_step(auth, reviewer.email)
    assert client.get("/login/code").headers["Location"] == "/login"


def test_workers_do_not_need_a_code(auth, make):
    worker = make.user("worker")
    assert _password_step(auth, worker.email).headers["Location"] == "/me/applications"


def test_a_code_cannot_be_replayed(make):
    reviewer = make.user("reviewer")
    totp, now = pyotp.TOTP(second_factor.secret_of(reviewer)), time.time()
    second_factor.verify(reviewer, totp.at(now), now=now)
    with pytest.raises(ValidationError) as error:
        second_factor.verify(reviewer, totp.at(now), now=now + 1)
    assert "code" in error.value.errors
    assert re.fullmatch(r"otpauth://totp/.+issuer=FairCorridor",
                        second_factor.provisioning_uri(reviewer, totp.secret))


def test_the_operator_can_make_the_first_admins_link(runner, make):
    admin = make.user("admin", enrolled=False)
    result = runner.invoke(args=["accounts", "second-factor-link", admin.email])
    assert result.exit_code == 0 and "/second-factor/" in result.output
    assert runner.invoke(args=["accounts", "second-factor-link", "no@example.org"]).exit_code
    assert db.session.get(User, admin.id) is not None
