"""Bridges between the job HTML form and the job services.

Forms are plain HTML rendered by macros (CSRF comes from Flask-WTF's global
protection); every rule lives in the services, so the form, the API and the
seed loader share one validation.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def job_form_data(form: Mapping[str, Any]) -> dict[str, Any]:
    """Turn flat "costs.<item>.<field>" form names into the nested costs mapping."""
    data: dict[str, Any] = {}
    costs: dict[str, dict[str, Any]] = {}
    for key, value in form.items():
        if key.startswith("costs."):
            parts = key.split(".")
            if len(parts) == 3:
                costs.setdefault(parts[1], {})[parts[2]] = value
        elif key != "csrf_token":
            data[key] = value
    data["costs"] = costs
    return data


def flat_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of job_form_data, to refill the form's cost fields."""
    values = {k: v for k, v in data.items() if k != "costs"}
    for item, entry in (data.get("costs") or {}).items():
        for field, value in entry.items():
            values[f"costs.{item}.{field}"] = "" if value is None else value
    return values
