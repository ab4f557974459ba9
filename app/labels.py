"""Human labels for the codes stored in the database, all translatable."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

LABELS = {
    # application workflow
    "received": _l("Received"), "shortlisted": _l("Shortlisted"),
    "interview": _l("Interview"), "offered": _l("Offered"), "hired": _l("Hired"),
    "rejected": _l("Not selected"), "withdrawn": _l("Withdrawn"),
    # postings
    "published": _l("Open"), "closed": _l("Closed"),
    "hour": _l("per hour"), "day": _l("per day"), "week": _l("per week"),
    "month": _l("per month"), "year": _l("per year"),
    "provided_free": _l("Provided free of charge"),
    "provided_paid": _l("Provided, the worker pays"),
    "not_provided": _l("Not provided"),
    "not_stated": _l("Not stated in the original ad"),
    "employer": _l("Employer"), "worker": _l("Worker"), "not_applicable": _l("Not applicable"),
    # organisations
    "agency": _l("Recruitment agency"),
    "vetted": _l("Vetted"), "under_review": _l("Under review"), "flagged": _l("Flagged"),
    "suspended": _l("Suspended"),
    "valid": _l("Valid licence"), "expired": _l("Licence expired"), "none": _l("No licence"),
    "revoked": _l("Licence revoked"), "not_in_register": _l("Licence not in the register"),
    # claims on organisations listed from job sources
    "pending": _l("Waiting for a reviewer"), "approved": _l("Approved"),
    "refused": _l("Refused"),
    # job sources and their runs
    "html_jsonld": _l("Web pages with job postings"), "rss": _l("RSS feed"),
    "atom": _l("Atom feed"), "csv": _l("CSV export"), "json": _l("JSON export"),
    "running": _l("Reading now"), "succeeded": _l("Done"), "failed": _l("Failed"),
    # roles
    "reviewer": _l("Ministry reviewer"), "admin": _l("Administrator"),
}


def label(code: str | None) -> str:
    """The translated label for a stored code; unknown codes are shown as they are."""
    if code is None:
        return ""
    return str(LABELS.get(code, code))
