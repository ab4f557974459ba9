"""The public register at scale: build, sign and serve /register.json, and verify copies.

    .venv/bin/python bench/register.py [--organisations 5000]

Makes N organisations with risks in a SQLite file in a temporary folder, then prints the
time to build and sign the whole register copy (the work of one /register.json request),
its size, the time to verify it, and one page of /register/ through the test client.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.organisations.models import TIERS, Organisation  # noqa: E402
from app.timeutil import utcnow  # noqa: E402
from vetting.models import OrganisationRisk  # noqa: E402


def _populate(count: int) -> None:
    for n in range(count):
        organisation = Organisation(
            name=f"Recruiter {n:05d}", kind=("agency", "employer")[n % 2],
            country=("NP", "PH", "QA", "IN")[n % 4], licence_number=f"LIC-{n:06d}",
            licence_authority="Ministry of Labour", tier=TIERS[n % len(TIERS)],
            licence_expiry=dt.date(2028, 1, 1))
        db.session.add(organisation)
        db.session.add(OrganisationRisk(
            organisation=organisation, score=n % 100, suggested_tier=TIERS[n % 3],
            licence_status="valid", licence_note="", computed_at=utcnow(),
            lines=[{"code": "worst_ad", "points": 12,
                    "detail": f"Its riskiest job ad (#{n}) scores 24/100."}]))
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organisations", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"FAIRCORRIDOR_ENV": "testing", "INSTANCE_PATH": folder,
                          "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite"})
        with app.app_context():
            from app.register import keys, statements
            from app.register.signing import verify_statement
            db.create_all()
            _populate(args.organisations)
            keys.create_key()
            start = time.perf_counter()
            copy = statements.signed_register()
            built = time.perf_counter() - start
            start = time.perf_counter()
            verdict = verify_statement(copy, keys.verify_key(), utcnow())
            checked = time.perf_counter() - start
            assert verdict.genuine, verdict.detail
            client = app.test_client()
            start = time.perf_counter()
            page = client.get("/register/?tier=vetted&page=3")
            listed = time.perf_counter() - start
        print(f"organisations: {args.organisations}")
        print(f"build and sign /register.json: {built:.2f} s, {len(copy) / 1e6:.2f} MB")
        print(f"verify the copy: {checked * 1000:.0f} ms")
        print(f"one /register/ page ({page.status_code}): {listed * 1000:.0f} ms")


if __name__ == "__main__":
    main()
