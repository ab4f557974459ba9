"""Shared fixtures: one app and database per test session, emptied after every test.

The database is a SQLite file by default, or PostgreSQL when TEST_DATABASE_URL is
set (`make test` runs the suite on both).
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import time

import pyotp
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from app import create_app  # noqa: E402
from app.accounts import second_factor  # noqa: E402
from app.accounts.models import User  # noqa: E402
from app.extensions import db, limiter  # noqa: E402
from matching.services import reset_backends  # noqa: E402
from tests.fixtures.builders import Builders  # noqa: E402

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """One application for the session; the schema is created once (expensive on PostgreSQL)."""
    instance = tmp_path_factory.mktemp("instance")
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{instance / 'test.sqlite'}"
    app = create_app({"FAIRCORRIDOR_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url,
                      "INSTANCE_PATH": str(instance)})
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(app):
    """Each test starts from empty tables and its own app context."""
    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()
        _empty_tables()
        _empty_search_index(app)
        limiter.reset()  # sign-in counts from one test must not lock out the next


def _empty_search_index(app) -> None:
    """Ids come back after tables are emptied, so the search index must go with them."""
    search_dir = Path(app.instance_path) / "search"
    if search_dir.exists():
        reset_backends()
        shutil.rmtree(search_dir)


def _empty_tables() -> None:
    # DELETE beats TRUNCATE on PostgreSQL for the few rows a test writes.
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    The test itself holds an app context (for the database and the builders);
    without this, requests would share its `g` (Flask-Login's cached user,
    Flask-WTF's CSRF token) and its database session. After each request the
    test's session is rolled back so that it reads what the request committed.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.rollback()
        return response


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make(app) -> Builders:
    """Factories for corridors, organisations, users, jobs and applications."""
    return Builders()


class AuthActions:
    """Sign in and out through the real forms (CSRF included), like flaskr's `auth`."""

    def __init__(self, client) -> None:
        self.client = client

    def csrf_token(self) -> str:
        page = self.client.get("/login").get_data(as_text=True)
        return CSRF_RE.search(page).group(1)

    def login(self, email: str, password: str = "correct horse battery"):
        """Sign in; for roles with a second factor, enrol or answer it with a real code."""
        response = self.client.post("/login", data={"email": email, "password": password,
                                                    "csrf_token": self.csrf_token()})
        if response.headers.get("Location") == "/login/code":
            response = self.second_factor(email)
        return response

    def second_factor(self, email: str):
        """Answer with the code of the authenticator the builders set up for the account."""
        page = self.client.get("/login/code").get_data(as_text=True)
        user = db.session.scalar(sa.select(User).where(User.email == email))
        db.session.refresh(user)
        secret = second_factor.secret_of(user)
        # A code is valid once per 30 s step: sign-ins in one test use the next step.
        step = int(time.time() // 30)
        if user.totp_last_step is not None and user.totp_last_step >= step:
            step = user.totp_last_step + 1
        code = pyotp.TOTP(secret).at(step * 30)
        return self.client.post("/login/code", data={"code": code,
                                                     "csrf_token": CSRF_RE.search(page).group(1)})

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": self.csrf_token()})

    def post(self, url: str, data: dict | None = None, **kwargs):
        """POST a form with a valid CSRF token."""
        return self.client.post(url, data={**(data or {}), "csrf_token": self.csrf_token()},
                                **kwargs)


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)
