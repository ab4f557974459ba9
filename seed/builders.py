"""Idempotent builders for the demo data, shared by `flask seed demo` and the tests.

Each builder finds existing rows by their natural key (corridor code, organisation
name, e-mail, job ref) and only adds what is missing, so running it twice is safe.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from app.accounts import second_factor
from app.accounts.models import ADMIN, REVIEWER, WORKER, User, WorkerProfile
from app.accounts.services import new_user
from app.corridors.models import Corridor
from app.extensions import db
from app.jobs.models import INTERVIEW, Application, JobCost, JobPosting
from app.jobs.services import read_job
from app.occupations.services import load_esco
from app.organisations.models import Organisation
from app.register.keys import ensure_key
from app.reviews.models import OrganisationReview
from app.reviews.services import submit_review
from app.timeutil import today
from grievance.keyring import create_keys
from grievance.models import GrievanceKey
from matching.services import reindex
from seed.sources import seed_sources
from vetting.services import rescore_all

DATA = Path(__file__).resolve().parent / "data"
# Printed by `flask seed demo`; the command refuses to run in production.
DEMO_PASSWORD = "fair-corridor-demo"
DEMO_PASSPHRASE = "demo reviewers unlock grievance reports"
# The demo admins' and reviewers' authenticator key (base32, development only): they
# sign in with a code made from it (`flask seed demo` prints how).
DEMO_TOTP_KEY = "FAIRCORRIDORDEMOKEYDEVONLY234567"


def read_data(name: str) -> Any:
    with (DATA / name).open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def seed_corridors() -> int:
    known = set(db.session.scalars(sa.select(Corridor.code)))
    added = [Corridor(**row) for row in read_data("corridors.yaml") if row["code"] not in known]
    db.session.add_all(added)
    db.session.commit()
    return len(added)


def seed_organisations() -> int:
    corridors = {c.code: c for c in db.session.scalars(sa.select(Corridor))}
    known = set(db.session.scalars(sa.select(Organisation.name)))
    added = 0
    for row in read_data("organisations.yaml"):
        if row["name"] in known:
            continue
        fields = {k: v for k, v in row.items() if k != "corridors"}
        organisation = Organisation(**fields,
                                    corridors=[corridors[c] for c in row.get("corridors", [])])
        db.session.add(organisation)
        added += 1
    db.session.commit()
    return added


def _ensure_user(email: str, name: str, role: str, **fields: Any) -> User | None:
    if db.session.scalar(sa.select(User.id).where(User.email == email)):
        return None
    return new_user(email, DEMO_PASSWORD, name, role, **fields)


def seed_users() -> list[tuple[str, str]]:
    """Demo accounts for every role; returns (role, e-mail) of those added."""
    data = read_data("users.yaml")
    corridors = {c.code: c for c in db.session.scalars(sa.select(Corridor))}
    added: list[tuple[str, str]] = []
    for row in data.get("admins", []):
        if _ensure_user(row["email"], row["display_name"], ADMIN):
            added.append((ADMIN, row["email"]))
    for row in data.get("reviewers", []):
        if _ensure_user(row["email"], row["display_name"], REVIEWER):
            added.append((REVIEWER, row["email"]))
    for row in data.get("workers", []):
        user = _ensure_user(row["email"], row["display_name"], WORKER)
        if user is None:
            continue
        p = row.get("profile", {})
        user.profile = WorkerProfile(
            headline=p.get("headline", ""), skills=p.get("skills", []),
            experience_years=p.get("experience_years", 0), experience=p.get("experience", ""),
            languages=p.get("languages", []), available_from=p.get("available_from"),
            discoverable=p.get("discoverable", False),
            corridors=[corridors[c] for c in p.get("corridors", [])])
        added.append((WORKER, row["email"]))
    for organisation in db.session.scalars(sa.select(Organisation)):
        if organisation.contact_email and _ensure_user(
                organisation.contact_email, f"{organisation.name} team", organisation.kind,
                organisation=organisation):
            added.append((organisation.kind, organisation.contact_email))
    db.session.commit()
    return added


def seed_second_factor() -> list[str]:
    """The demo admins and reviewers, each with the demo authenticator key set up (once)."""
    data = read_data("users.yaml")
    emails = [row["email"] for key in ("admins", "reviewers") for row in data.get(key, [])]
    users = list(db.session.scalars(sa.select(User).where(User.email.in_(emails))))
    for user in users:
        if not second_factor.is_enrolled(user):
            second_factor.enrol(user, DEMO_TOTP_KEY)
    return sorted(user.email for user in users)


def seed_jobs() -> int:
    """Demo postings, checked by the same validation as a posting made in the app."""
    organisations = {o.name: o for o in db.session.scalars(sa.select(Organisation))}
    known = set(db.session.scalars(sa.select(JobPosting.external_ref)
                                   .where(JobPosting.external_ref.is_not(None))))
    added = 0
    for row in read_data("jobs.yaml"):
        if row["ref"] in known:
            continue
        fields = read_job(_job_input(row))
        costs: list[JobCost] = fields.pop("costs")
        job = JobPosting(organisation=organisations[row["organisation"]],
                         external_ref=row["ref"], costs=costs, **fields)
        db.session.add(job)
        added += 1
    db.session.commit()
    return added


def _job_input(row: dict) -> dict:
    wage = row["wage"]
    return {
        "title": row["title"], "description": row["description"],
        "corridor": row["corridor"], "occupation": row["occupation"],
        "wage_amount": str(wage["amount"]), "wage_currency": wage["currency"],
        "wage_period": wage["period"], "hours_per_week": row["hours_per_week"],
        "benefits": row.get("benefits", ""), "accommodation": row["accommodation"],
        "contract_languages": row["contract_languages"],
        "valid_through": (today() + dt.timedelta(days=row["valid_days"])).isoformat(),
        "costs": row["costs"],
    }


def seed_reviews() -> int:
    """Demo worker reviews (seed/data/reviews.yaml), through the review service."""
    users = {u.email: u for u in db.session.scalars(sa.select(User).where(User.role == WORKER))}
    jobs = {j.external_ref: j for j in db.session.scalars(
        sa.select(JobPosting).where(JobPosting.external_ref.is_not(None)))}
    added = 0
    for row in read_data("reviews.yaml"):
        worker, job = users.get(row["worker"]), jobs.get(row["job"])
        if worker is None or job is None:
            continue
        application = db.session.scalar(sa.select(Application).where(
            Application.job_id == job.id, Application.worker_id == worker.id))
        if application is None:
            application = Application(job=job, worker=worker, status=INTERVIEW)
            db.session.add(application)
        elif db.session.scalar(sa.select(OrganisationReview.id).where(
                OrganisationReview.application_id == application.id)):
            continue
        application.status = row["status"]
        db.session.commit()
        review = submit_review(worker, application.id, {
            **{f"rating_{k}": str(v) for k, v in row["ratings"].items()},
            "paid_fee": row["paid_fee"], "fee_amount": row.get("fee_amount", ""),
            "fee_currency": row.get("fee_currency", ""), "comment": row.get("comment", "")})
        when = review.created_at - dt.timedelta(days=30 * row["months_ago"])
        review.created_at = application.interview_reached_at = when
        db.session.commit()
        added += 1
    return added


def seed_grievance_keys() -> bool:
    """The reviewers' grievance keypair under the demo passphrase, if there is none yet."""
    if db.session.scalar(sa.select(GrievanceKey.id).limit(1)) is not None:
        return False
    create_keys(DEMO_PASSPHRASE)
    return True


def seed_demo() -> dict[str, Any]:
    """Everything the demo needs, in dependency order."""
    return {
        "occupations": load_esco(),
        "corridors": seed_corridors(),
        "sources": seed_sources(),
        "organisations": seed_organisations(),
        "users": seed_users(),
        "second_factor": seed_second_factor(),
        "jobs": seed_jobs(),
        "vetting": rescore_all(),
        "reviews": seed_reviews(),
        "indexed": reindex(),
        "grievance_keys": seed_grievance_keys(),
        "register_key": ensure_key(),
    }
