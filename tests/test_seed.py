"""`flask seed demo` loads realistic demo data, checked by the app's own validation, once."""
from __future__ import annotations

import sqlalchemy as sa

from app.accounts import second_factor
from app.accounts.models import User
from app.corridors.models import Corridor
from app.extensions import db
from app.jobs.models import JobPosting
from app.organisations.models import Organisation
from app.reviews.models import OrganisationReview
from seed.builders import DEMO_PASSWORD, DEMO_TOTP_KEY


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_seed_demo_is_complete_and_idempotent(runner, auth, client):
    first = runner.invoke(args=["seed", "demo"])
    assert first.exit_code == 0, first.output
    assert DEMO_PASSWORD in first.output
    counts = {m.__name__: _count(m)
              for m in (Corridor, Organisation, JobPosting, User, OrganisationReview)}
    assert counts["Corridor"] == 5
    assert counts["OrganisationReview"] == 7
    assert 18 <= counts["Organisation"] <= 30
    assert 150 <= counts["JobPosting"] <= 300

    again = runner.invoke(args=["seed", "demo"])
    assert again.exit_code == 0 and "jobs added: 0" in again.output
    assert {m.__name__: _count(m)
            for m in (Corridor, Organisation, JobPosting, User, OrganisationReview)} == counts

    roles = set(db.session.scalars(sa.select(User.role)))
    assert roles == {"worker", "employer", "agency", "reviewer", "admin"}
    statuses = [o.licence_status for o in db.session.scalars(sa.select(Organisation))]
    assert statuses.count("expired") == 1 and "none" in statuses
    for corridor in db.session.scalars(sa.select(Corridor)):
        page = client.get(f"/corridors/{corridor.code}")
        assert page.status_code == 200 and "card job" in page.get_data(as_text=True)

    worker = db.session.scalar(sa.select(User).where(User.role == "worker"))
    assert auth.login(worker.email, DEMO_PASSWORD).status_code == 302

    # Admins and reviewers sign in with the key the command printed.
    assert DEMO_TOTP_KEY in first.output
    for role, home in (("reviewer", "/review/"), ("admin", "/admin/")):
        auth.logout()
        user = db.session.scalar(sa.select(User).where(User.role == role))
        assert second_factor.secret_of(user) == DEMO_TOTP_KEY
        assert auth.login(user.email, DEMO_PASSWORD).headers["Location"] == home
