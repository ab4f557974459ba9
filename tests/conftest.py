"""Shared fixtures: one app and database per test session, emptied after every test.

The database is a SQLite file by default, or PostgreSQL when TEST_DATABASE_URL is
set (`make test` runs the suite on both).
"""
from __future__ import annotations

import os
import re

import pytest
import sqlalchemy as sa

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
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


def _empty_tables() -> None:
    tables = db.metadata.sorted_tables
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                conn.execute(table.delete())


@pytest.fixture
def client(app):
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
        return self.client.post("/login", data={"email": email, "password": password,
                                                "csrf_token": self.csrf_token()})

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": self.csrf_token()})

    def post(self, url: str, data: dict | None = None, **kwargs):
        """POST a form with a valid CSRF token."""
        return self.client.post(url, data={**(data or {}), "csrf_token": self.csrf_token()},
                                **kwargs)


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)
