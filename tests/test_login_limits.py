"""Password guessing is limited per account and per client, and sign-in timing does not
tell whether an e-mail has an account."""
from __future__ import annotations

import os
import secrets
import statistics
import time

import pytest
import redis
import sqlalchemy as sa

from app.accounts.login_limits import wait_message
from app.accounts.models import User
from app.extensions import db, limiter
from tests.conftest import CSRF_RE
from tests.fixtures.builders import PASSWORD

WRONG = "not the password at all"
# A database number of this suite's own on the machine's Redis (see DEVELOPERS.md).
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


def _sign_in(client, email: str, password: str, address: str = "198.51.100.7"):
    page = client.get("/login").get_data(as_text=True)
    return client.post("/login", environ_base={"REMOTE_ADDR": address}, data={
        "email": email, "password": password, "csrf_token": CSRF_RE.search(page).group(1)})


def test_fifty_wrong_passwords_lock_the_account_even_for_the_right_one(client, make):
    worker = make.user("worker")
    answers = [_sign_in(client, worker.email, WRONG).status_code for _ in range(50)]
    assert answers[:5] == [400] * 5 and set(answers[5:]) == {429}

    refused = _sign_in(client, worker.email, PASSWORD)
    assert refused.status_code == 429
    assert "Too many attempts. Try again in 15 minutes." in refused.get_data(as_text=True)
    assert 14 * 60 <= int(refused.headers["Retry-After"]) <= 15 * 60
    assert client.get("/me/applications").status_code == 302  # not signed in


def test_the_right_password_works_once_the_wait_has_passed(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_ACCOUNT", "5 per 2 seconds")
    worker = make.user("worker")
    for _ in range(50):
        _sign_in(client, worker.email, WRONG)
    refused = _sign_in(client, worker.email, PASSWORD)
    assert refused.status_code == 429
    assert "Try again in 1 minute." in refused.get_data(as_text=True)

    time.sleep(int(refused.headers["Retry-After"]) + 1)

    assert _sign_in(client, worker.email, PASSWORD).headers["Location"] == "/me/applications"


def test_an_unknown_email_is_locked_out_the_same_way(client):
    answers = [_sign_in(client, "nobody@example.org", WRONG).status_code for _ in range(6)]
    assert answers == [400] * 5 + [429]


def test_one_client_trying_many_accounts_is_stopped_and_others_are_not(client, make):
    victim = make.user("worker")
    for n in range(30):
        assert _sign_in(client, f"guess{n}@example.org", WRONG).status_code == 400
    assert _sign_in(client, victim.email, PASSWORD).status_code == 429
    # Another client, with the account's own right password, is not affected.
    assert _sign_in(client, victim.email, PASSWORD, address="203.0.113.50").status_code == 302


def test_right_passwords_are_never_counted(client, make, auth):
    worker = make.user("worker")
    for _ in range(8):
        assert _sign_in(client, worker.email, PASSWORD).status_code == 302
        auth.logout()


def test_the_wait_is_said_in_whole_minutes():
    assert wait_message(1000, now=1000 - 61) == "Too many attempts. Try again in 2 minutes."
    assert wait_message(1000, now=999) == "Too many attempts. Try again in 1 minute."


@pytest.fixture
def redis_limits(app, monkeypatch):
    """The limiter counting in a real Redis, under a key prefix of this test's own."""
    server = redis.Redis.from_url(REDIS_URL)
    try:
        server.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis server at {REDIS_URL}")
    prefix = f"fc-test-{secrets.token_hex(4)}"
    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", REDIS_URL)
    monkeypatch.setitem(app.config, "RATELIMIT_KEY_PREFIX", prefix)
    limiter._key_prefix = prefix  # read at construction, not from init_app
    limiter.init_app(app)
    try:
        yield server, prefix
    finally:
        for key in server.scan_iter(f"*{prefix}*"):
            server.delete(key)
        server.close()
        monkeypatch.undo()
        limiter._key_prefix = app.config["RATELIMIT_KEY_PREFIX"]
        limiter.init_app(app)  # back to the session app's own storage


def test_counts_live_in_redis_when_it_is_configured(client, make, redis_limits):
    server, prefix = redis_limits
    worker = make.user("worker")
    for _ in range(5):
        assert _sign_in(client, worker.email, WRONG).status_code == 400
    keys = [key.decode() for key in server.scan_iter(f"*{prefix}*")]
    assert any("login-account" in key for key in keys) and any("login-client" in key
                                                               for key in keys)
    assert not any(worker.email in key or "198.51.100.7" in key for key in keys)

    assert _sign_in(client, worker.email, PASSWORD).status_code == 429


def _median_sign_in_time(client, emails: list[str]) -> float:
    times = []
    for email in emails:
        page = client.get("/login").get_data(as_text=True)
        data = {"email": email, "password": WRONG, "csrf_token": CSRF_RE.search(page).group(1)}
        started = time.perf_counter()
        assert client.post("/login", data=data).status_code == 400
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def test_a_wrong_password_takes_as_long_for_a_known_as_for_an_unknown_email(app, client,
                                                                            monkeypatch):
    # Nearer production's Argon2 cost, so that the password check stands out from the rest.
    monkeypatch.setitem(app.config, "ARGON2_TIME_COST", 2)
    monkeypatch.setitem(app.config, "ARGON2_MEMORY_COST", 32768)
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_ACCOUNT", "1000 per minute")
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_CLIENT", "1000 per minute")
    user = User(email="known@example.org", display_name="Known", role="worker")
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.commit()
    _median_sign_in_time(client, ["warm-up@example.org"])

    # Known and unknown attempts alternate, so that a busy moment slows both alike.
    known_times, unknown_times = [], []
    for n in range(7):
        known_times.append(_median_sign_in_time(client, [user.email]))
        unknown_times.append(_median_sign_in_time(client, [f"unknown{n}@example.org"]))
    known, unknown = statistics.median(known_times), statistics.median(unknown_times)

    # Without the stand-in check the unknown e-mail answers ~20 times faster; the bound
    # is generous so that a busy machine does not fail it.
    print(f"median sign-in: known {known * 1000:.0f} ms, unknown {unknown * 1000:.0f} ms")
    assert 0.5 < known / unknown < 2, (known, unknown)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
