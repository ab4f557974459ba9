"""The reviews migration remembers which existing applications reached the interview stage."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_migrate import upgrade

from app import create_app
from app.audit import AuditEntry
from app.extensions import db
from tests.test_migrations import empty_database_url  # noqa: F401  (a fixture)

BEFORE_REVIEWS = "1df8a9ccba66"


def _insert(table_name: str, /, **values) -> int:
    table = sa.Table(table_name, sa.MetaData(), autoload_with=db.engine)
    return db.session.execute(table.insert().values(**values)).inserted_primary_key[0]


def _old_job(at: dt.datetime) -> int:
    corridor_id = _insert("corridors", code="NP-QA", origin="NP", destination="QA",
                          name="Nepal → Qatar", currency="QAR", languages=["ne"],
                          description="", active=True)
    organisation_id = _insert("organisations", name="Old Employer", kind="employer",
                              country="QA", website="", description="",
                              contact_email="", tier="vetted", created_at=at)
    return _insert("job_postings", organisation_id=organisation_id, corridor_id=corridor_id,
                   title="Mason", description="Masonry work.", wage_amount=1500,
                   wage_currency="QAR", wage_period="month", wage_monthly=1500,
                   hours_per_week=48, benefits="", accommodation="free",
                   contract_languages=["en"], valid_through=dt.date(2026, 1, 1),
                   status="published", created_at=at, updated_at=at)


def test_backfill_from_the_audit_log(empty_database_url, tmp_path):  # noqa: F811
    app = create_app({"FAIRCORRIDOR_ENV": "testing", "INSTANCE_PATH": str(tmp_path),
                      "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade(revision=BEFORE_REVIEWS)
        # Rows are written with the schema of that revision, not today's models: columns
        # added since (to users, say) do not exist yet.
        long_ago, updated = dt.datetime(2025, 3, 1, 9), dt.datetime(2025, 6, 1, 9)
        job_id = _old_job(long_ago)
        rows = {1: "rejected", 2: "rejected", 3: "hired", 4: "received", 5: "withdrawn"}
        for app_id, status in rows.items():
            worker_id = _insert("users", email=f"worker{app_id}@example.org", password_hash="x",
                                display_name="Worker", role="worker", active=True,
                                locale="en", created_at=long_ago)
            _insert("applications", id=app_id, job_id=job_id, worker_id=worker_id,
                    status=status, message="", created_at=long_ago, updated_at=updated)
        # 1 reached interview, then was rejected; 2 was rejected from shortlist; 5 was
        # offered, then withdrawn; 3 was hired without audited steps (loaded from data).
        for app_id, after, day in ((1, "interview", 2), (1, "rejected", 9), (2, "shortlisted", 3),
                                   (2, "rejected", 4), (5, "offered", 5), (5, "withdrawn", 6)):
            db.session.add(AuditEntry(action="application.status_changed",
                                      object_type="Application", object_id=app_id,
                                      at=long_ago + dt.timedelta(days=day),
                                      details={"before": "x", "after": after}))
        db.session.commit()

        upgrade()
        reached = dict(db.session.execute(sa.text(
            "SELECT id, interview_reached_at FROM applications ORDER BY id")).all())
        db.session.remove()
        db.engine.dispose()

    as_datetime = {k: v if v is None or isinstance(v, dt.datetime)
                   else dt.datetime.fromisoformat(v) for k, v in reached.items()}
    assert as_datetime == {1: long_ago + dt.timedelta(days=2), 2: None, 3: updated, 4: None,
                           5: long_ago + dt.timedelta(days=5)}
