"""Plain-language labels for grievance codes (statuses, categories, roles), all translatable."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.labels import label as app_label

LABELS = {
    "received": _l("Received"), "triaged": _l("Triaged"),
    "investigating": _l("Being investigated"), "resolved": _l("Resolved"),
    "referred": _l("Referred to the authorities"), "rejected": _l("Rejected"),
    "fees": _l("I was asked to pay recruitment fees or costs"),
    "passport": _l("My passport or documents were taken or kept"),
    "wages": _l("Wages were withheld or not paid"),
    "deception": _l("I was deceived about the job, the pay or the contract"),
    "threats": _l("Threats, violence or intimidation"),
    "conditions": _l("Abusive working or living conditions"),
    "other": _l("Something else"),
    "anonymous": _l("Anonymous report"), "named": _l("Named complaint"),
    "reporter": _l("You"), "worker": _l("You"),
    "open": _l("Open"), "mine": _l("Assigned to me"), "all": _l("All"),
}


def grievance_label(code: str | None) -> str:
    """The label for a grievance code; other codes (roles) fall back to the app's labels."""
    if code in LABELS:
        return str(LABELS[code])
    return app_label(code)
