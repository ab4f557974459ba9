"""The job form: defaults taken from the corridor (currencies, contract languages), the one
tick "the employer pays all recruitment costs", and the bridge to the job services.

Every rule about a posting lives in app/jobs/services.read_job, shared with the JSON API
and the seed loader; this module only turns the form into the input that service reads.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from babel.numbers import get_currency_name, get_territory_currencies
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from app.corridors.models import Corridor
from app.corridors.services import get_corridor, list_corridors
from app.errors import NotFound, ValidationError
from app.jobs.costs import cost_item_ids, cost_label
from app.jobs.services import read_job
from app.organisations.models import Organisation

PAYS_ALL = "employer_pays_all"  # the tick box's name
TICKED = "y"
CORRIDOR_CODE = re.compile(r"[A-Za-z]{2}-[A-Za-z]{2}")
CURRENCY_CODE = re.compile(r"[A-Z]{3}")
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")


@dataclass(frozen=True)
class Choices:
    """What the form offers for one corridor: currencies and contract languages (codes,
    which the template names in words)."""

    corridor: Corridor | None
    currencies: list[str]
    languages: list[str]


def find_corridor(code: Any) -> Corridor | None:
    """The active corridor with this code, or None for anything else."""
    if not isinstance(code, str) or not CORRIDOR_CODE.fullmatch(code.strip()):
        return None
    try:
        return get_corridor(code.strip())
    except NotFound:
        return None


def origin_currency(corridor: Corridor) -> str | None:
    """The origin country's currency, in which fees charged before departure are paid."""
    currencies = get_territory_currencies(corridor.origin)
    return currencies[0] if currencies else None


def currency_name(code: str) -> str:
    """"Qatari riyal" for QAR, in the reader's language (the form never asks for a code)."""
    return get_currency_name(code, locale=get_locale() or "en")


def corridor_choices(corridor: Corridor | None, values: Mapping[str, Any]) -> Choices:
    """The corridor's two currencies (destination's first) and its languages, plus any
    other value already in the form, so that editing never drops what was stored."""
    currencies = [corridor.currency, origin_currency(corridor)] if corridor else []
    languages = list(corridor.languages or []) if corridor else []
    for key, value in values.items():
        if (key == "wage_currency" or key.endswith(".currency")) and isinstance(value, str):
            currencies.append(value.strip().upper())
    languages += [code.lower() for code in values.get("contract_languages") or []]
    return Choices(corridor, _distinct(currencies, CURRENCY_CODE),
                   _distinct(languages, LANGUAGE_CODE))


def _distinct(codes: list[str | None], pattern: re.Pattern) -> list[str]:
    """Each code once, in order; what is not a code at all (a tampered post) is left out."""
    return list(dict.fromkeys(code for code in codes
                              if isinstance(code, str) and pattern.fullmatch(code)))


def only_corridor() -> str | None:
    """The code of the one active corridor, when there is only one: nothing to choose."""
    corridors = list_corridors()
    return corridors[0].code if len(corridors) == 1 else None


def suggested_corridor(organisation: Organisation | None) -> str | None:
    """The corridor an organisation most likely posts in: the one its country sends workers
    from (an agency) or receives them in (an employer), when there is only one."""
    corridors = list_corridors()
    country = getattr(organisation, "country", None)
    ends = [c for c in corridors if country in (c.origin, c.destination)]
    return ends[0].code if len(ends) == 1 else None


def new_values(corridor: Corridor) -> dict[str, Any]:
    """A new job's form, filled in from its corridor: the wage in the destination's
    currency, contracts in the corridor's languages, the employer paying every cost."""
    values: dict[str, Any] = {
        "corridor": corridor.code, "wage_currency": corridor.currency,
        "wage_period": "month", "contract_languages": list(corridor.languages or []),
        PAYS_ALL: TICKED,
    }
    fees_currency = origin_currency(corridor) or corridor.currency
    for item in cost_item_ids():
        values[f"costs.{item}.payer"] = "employer"
        values[f"costs.{item}.currency"] = fees_currency
    return values


def job_values(job_input: Mapping[str, Any], corridor: Corridor | None) -> dict[str, Any]:
    """A stored job's values (jobs.job_as_input) as the form shows them."""
    values = {k: v for k, v in job_input.items() if k not in ("costs", "contract_languages")}
    values["contract_languages"] = _codes(job_input.get("contract_languages"))
    costs = job_input.get("costs") or {}
    default_currency = (origin_currency(corridor) or corridor.currency) if corridor else ""
    for item in cost_item_ids():
        entry = costs.get(item) or {}
        values[f"costs.{item}.payer"] = entry.get("payer") or "employer"
        values[f"costs.{item}.amount"] = "" if entry.get("amount") is None else entry["amount"]
        values[f"costs.{item}.currency"] = entry.get("currency") or default_currency
    if corridor is not None:
        values["corridor"] = corridor.code
    if not any(values[f"costs.{item}.payer"] == "worker" for item in cost_item_ids()):
        values[PAYS_ALL] = TICKED
    return values


def _codes(value: Any) -> list[str]:
    """Language codes from a list or from comma-separated text."""
    items = value if isinstance(value, list) else str(value or "").split(",")
    return [code.strip() for code in items if isinstance(code, str) and code.strip()]


def _all_values(form: Mapping[str, Any], key: str) -> list[Any]:
    """Every value of a repeated field (ticked boxes), from a form or a plain mapping."""
    getlist = getattr(form, "getlist", None)
    if getlist is not None:
        return getlist(key)
    value = form.get(key)
    return value if isinstance(value, list) else [] if value is None else [value]


def form_values(form: Mapping[str, Any]) -> dict[str, Any]:
    """What was posted, to fill the form in again after a check or an error."""
    values = {k: form.get(k) for k in form if k not in ("csrf_token", "action")}
    values["contract_languages"] = [code for value in _all_values(form, "contract_languages")
                                    for code in _codes(value)]
    return values


def job_form_data(form: Mapping[str, Any]) -> dict[str, Any]:
    """The posting as the job services read it: flat "costs.<item>.<field>" names nested,
    ticked boxes of languages joined, and the one tick expanded to every cost.

    Raises ValidationError, with every problem of the posting, when the tick says the
    employer pays all while a cost says the worker pays it: which one is true is the
    employer's to say, never ours to guess.
    """
    data: dict[str, Any] = {}
    costs: dict[str, dict[str, Any]] = {}
    for key in form:
        parts = key.split(".")
        if parts[0] == "costs" and len(parts) == 3:
            costs.setdefault(parts[1], {})[parts[2]] = form.get(key)
        elif key not in ("csrf_token", "action", PAYS_ALL, "contract_languages"):
            data[key] = form.get(key)
    if "contract_languages" in form:
        data["contract_languages"] = ",".join(str(v) for v in _all_values(form,
                                                                          "contract_languages"))
    data["costs"] = costs
    if form.get(PAYS_ALL) != TICKED:
        return data
    worker_pays = [item for item, entry in costs.items() if entry.get("payer") == "worker"]
    if worker_pays:
        _raise_with_the_rest(data, worker_pays)
    # A cost marked "not applicable" stays so: the employer pays every cost there is.
    data["costs"] = {item: {"payer": "not_applicable" if costs.get(item, {}).get("payer")
                            == "not_applicable" else "employer"} for item in cost_item_ids()}
    return data


def _raise_with_the_rest(data: dict[str, Any], worker_pays: list[str]) -> None:
    """One ValidationError naming the contradiction and anything else wrong in the post."""
    try:
        read_job(data)
        errors: dict[str, str] = {}
    except ValidationError as error:
        errors = dict(error.errors)
    names = ", ".join(cost_label(item) for item in cost_item_ids() if item in worker_pays)
    errors[PAYS_ALL] = str(_l(
        "is ticked, but you said the worker pays: %(costs)s. Untick it to show workers "
        "what they pay, or set those costs to the employer", costs=names))
    raise ValidationError(errors)


def cost_panel(values: Mapping[str, Any], errors: Mapping[str, str]) -> dict[str, bool]:
    """Whether the costs have a problem, and whether to show each cost: when the box is
    unticked, a cost is the worker's, or something about the costs needs fixing."""
    cost_errors = any(key == PAYS_ALL or key.startswith("costs") for key in errors)
    worker_pays = any(values.get(f"costs.{item}.payer") == "worker" for item in cost_item_ids())
    return {"cost_errors": cost_errors,
            "costs_open": cost_errors or worker_pays or values.get(PAYS_ALL) != TICKED}


def field_labels() -> dict[str, str]:
    """Each field's name as the form shows it, for the list of problems above the form."""
    labels = {
        "title": _l("Job title"), "corridor": _l("Corridor"),
        "occupation": _l("Occupation (ESCO)"), "description": _l("Description"),
        "wage_amount": _l("Wage"), "wage_currency": _l("Currency of the wage"),
        "wage_period": _l("Wage per"), "hours_per_week": _l("Hours per week"),
        "accommodation": _l("Accommodation"), "benefits": _l("Benefits"),
        "contract_languages": _l("Contract languages"), "valid_through": _l("Open until"),
        "costs": _l("Who pays each recruitment cost"),
        PAYS_ALL: _l("The employer pays all recruitment costs"),
    }
    for item in cost_item_ids():
        name = cost_label(item)
        labels[f"costs.{item}.payer"] = name
        labels[f"costs.{item}.amount"] = _l("%(cost)s: amount the worker pays", cost=name)
        labels[f"costs.{item}.currency"] = _l("%(cost)s: currency", cost=name)
    return {key: str(label) for key, label in labels.items()}
