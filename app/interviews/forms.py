"""Bridges between the slot-proposal HTML form and the interview services."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

FORM_ROWS = 5  # rows shown; the service enforces the limit whatever a client sends


def proposal_form_data(form: Mapping[str, Any]) -> dict[str, Any]:
    """Turn flat "slots.<n>.<field>" form names into the nested slots mapping."""
    data: dict[str, Any] = {}
    slots: dict[str, dict[str, Any]] = {}
    for key, value in form.items():
        if key.startswith("slots."):
            parts = key.split(".")
            if len(parts) == 3 and parts[1].isdigit() and len(parts[1]) <= 3:
                slots.setdefault(parts[1], {})[parts[2]] = value
        elif key != "csrf_token":
            data[key] = value
    data["slots"] = slots
    return data


def flat_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of proposal_form_data, to refill the form after an error."""
    values = {k: v for k, v in data.items() if k != "slots"}
    for row, entry in (data.get("slots") or {}).items():
        for field, value in entry.items():
            values[f"slots.{row}.{field}"] = value
    return values


def field_labels() -> dict[str, str]:
    """Each field's name as the interview forms show it, for the list of problems."""
    labels = {
        "timezone": _l("Time zone of the times below"), "slots": _l("Times"),
        "reason": _l("Message to the candidate"), "application": _l("Application"),
        "slot": _l("Choose a time"), "status": _l("Status"),
        "message": _l("Tell the employer when you can"), "cancel_reason": _l("Reason"),
        "outcome": _l("Outcome of the interview"), "outcome_reason": _l("Reason"),
    }
    parts = {"date": _l("Date"), "start": _l("Start"), "end": _l("End")}
    for row in range(1, FORM_ROWS + 1):
        for name, part in parts.items():
            labels[f"slots.{row}.{name}"] = _l("Time %(n)d: %(part)s", n=row, part=part)
    return {key: str(label) for key, label in labels.items()}
