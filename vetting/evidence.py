"""Findings as a reader sees them: each warning sign once, with every passage of the ad that
shows it, and what the job form says in a sentence (never a field name or a code).

Findings are the stored dicts (PostingAssessment.findings) or a fresh check's; a finding
from a form field carries `facts` (vetting/detectors.py). Rows stored before facts existed
show their explanation alone: their `text` was a note for developers.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from flask_babel import format_decimal, gettext as _, ngettext

from app.jobs.costs import cost_label
from app.labels import label
from vetting.amounts import DAYS_PER_WEEK, HOURS_PER_DAY, HOURS_PER_WEEK, MONEY


def _number(value: Any) -> str:
    return format_decimal(value, format="#,##0.##")


def _money(amount: Any, currency: str | None) -> str:
    from app.templating import money
    if not currency:
        return _number(amount)
    return money(Decimal(str(amount)), currency)


def _cost(facts: Mapping[str, Any]) -> str:
    cost = cost_label(facts.get("item", ""))
    if facts.get("amount") is None:
        return _("The job form says the worker pays this cost: %(cost)s.", cost=cost)
    return _("The job form says the worker pays this cost: %(cost)s, %(amount)s.", cost=cost,
             amount=_money(facts["amount"], facts.get("currency")))


def _wage(facts: Mapping[str, Any]) -> str:
    wage = _money(facts["amount"], facts.get("currency"))
    if facts.get("period"):
        return _("The job form gives the wage: %(wage)s %(period)s.", wage=wage,
                 period=label(facts["period"]))
    return _("The job form gives the wage: %(wage)s.", wage=wage)


def _hours(facts: Mapping[str, Any]) -> str:
    hours = facts["hours"]
    return ngettext("The job form says %(hours)s hour a week.",
                    "The job form says %(hours)s hours a week.", int(hours), hours=_number(hours))


def _wage_norm(facts: Mapping[str, Any]) -> str:
    ratio = facts["monthly"] / facts["norm"]
    return _("The wage is %(times)s times what similar jobs in this corridor pay.",
             times=format_decimal(ratio, format="#,##0.0"))


FORM_FACTS = {
    "cost": _cost, "wage": _wage, "hours": _hours, "wage_norm": _wage_norm,
    "licence": lambda facts: _("The job form gives licence number %(number)s.",
                               number=facts["number"]),
}


def form_note(finding: Mapping[str, Any]) -> str:
    """What the job form says behind a finding, in a sentence; "" for one from the ad's text."""
    facts = dict(finding.get("facts") or ())
    words = FORM_FACTS.get(facts.get("field"))
    try:
        return words(facts) if words else ""
    except (KeyError, TypeError, ZeroDivisionError, ArithmeticError):
        return ""  # facts of an older shape: the explanation says enough


def amount_text(amount: Mapping[str, Any]) -> str:
    """A sum or a working time the scorer read, in words ("QAR 1,100", "60 hours a week")."""
    value, kind = amount.get("value"), amount.get("kind")
    if value is None:
        return ""
    if kind == MONEY:
        return _money(value, amount.get("currency"))
    phrases = {
        HOURS_PER_WEEK: ("%(n)s hour a week", "%(n)s hours a week"),
        HOURS_PER_DAY: ("%(n)s hour a day", "%(n)s hours a day"),
        DAYS_PER_WEEK: ("%(n)s day a week", "%(n)s days a week"),
    }
    if kind not in phrases:
        return ""
    return ngettext(*phrases[kind], int(value), n=_number(value))


def grouped(findings: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One entry per signal, in first-seen order, with all its quotes from the ad, the form
    notes and the amounts read, each once: a signal found three times in an ad is one
    warning sign with three pieces of evidence."""
    groups: dict[str, dict[str, Any]] = {}
    for finding in findings:
        group = groups.setdefault(finding["signal_id"], {
            **finding, "quotes": [], "notes": [], "amount_texts": []})
        _add(group["notes"], form_note(finding))
        if finding.get("source", "text") != "text":
            continue  # its amounts are the form's, already in the note
        _add(group["quotes"], finding.get("text") or "")
        for amount in finding.get("amounts") or ():
            _add(group["amount_texts"], amount_text(amount))
    for group in groups.values():  # a figure the ad states as it is needs no repeating
        quoted = {quote.casefold() for quote in group["quotes"]}
        group["amount_texts"] = [a for a in group["amount_texts"] if a.casefold() not in quoted]
    return list(groups.values())


def _add(items: list[str], item: str) -> None:
    if item and item not in items:
        items.append(item)
