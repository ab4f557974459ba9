"""A job's spoken summary: short sentences in the reader's language, the same facts and
warnings the job page shows, worded to be heard (numbers and currencies in words a voice
reads well, not "QAR 1,800").

Sentences are catalogue messages with named placeholders; texts that come from data (cost
labels, the signal catalogue's explanations, risk reasons) are translated as the page
translates them (app.templating.translated, app.jobs.disclosure.cost_name).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from babel import Locale
from babel.lists import format_list
from babel.numbers import get_currency_name
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.aggregation.services import posting_provenance
from app.jobs import disclosure
from app.jobs.costs import cost_item_ids
from app.jobs.models import JobPosting
from app.jobs.services import wage_in_corridor_currency
from app.listen.speech import localise_digits
from app.templating import translated
from vetting import services as vetting

# How the aggregator notes a posting whose ad gave no hours (app/aggregation/normalise.py):
# the hours stored are an assumption then, and the summary says the ad does not state them.
HOURS_ASSUMED_NOTE = "working hours are not stated"
VERDICTS = {
    "vetted": _l("The recruiter, %(name)s, was checked: vetted."),
    "under_review": _l("The recruiter, %(name)s, is under review: the check is not "
                       "finished. Be careful."),
    "flagged": _l("Warning: the recruiter, %(name)s, is flagged. We found problems with "
                  "this recruiter. Be very careful."),
    "suspended": _l("The recruiter, %(name)s, is suspended. Do not deal with this "
                    "recruiter."),
}


def job_sentences(job: JobPosting, language: str) -> list[str]:
    """What the job's summary says, one sentence (or short line) each, in `language`."""
    with force_locale(language):
        locale = get_locale() or Locale("en")
        checked = vetting.public_summary(job.organisation, job)
        sentences = [_("Job: %(title)s.", title=job.title), *_wage(job, locale),
                     _hours(job), *_costs(job, checked, locale), *_verdict(job, checked),
                     *_warnings(checked)]
        return [localise_digits(s, locale.default_numbering_system) for s in sentences]


def _whole(amount: Decimal | float) -> tuple[str, bool]:
    """A sum as whole units without group separators ("1800"), which every voice reads as
    one number; and whether rounding changed it."""
    exact = Decimal(str(amount))
    whole = exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return str(int(whole)), whole != exact


def _currency(code: str, count: str, locale: Locale) -> str:
    """"Qatari riyals": the currency's name for that many, not its code."""
    return get_currency_name(code, count=int(count), locale=locale)


def _wage(job: JobPosting, locale: Locale) -> list[str]:
    if job.wage_amount is None:  # an ad read from a job source that states no wage
        return [_("Wage: not stated.")]
    if job.wage_monthly is None:  # no period, or per hour without the hours
        amount, _rounded = _whole(job.wage_amount)
        return [_("Wage: %(amount)s %(currency)s; the ad does not say how much that is a "
                  "month.", amount=amount,
                  currency=_currency(job.wage_currency, amount, locale))]
    amount, rounded = _whole(job.wage_monthly)
    currency = _currency(job.wage_currency, amount, locale)
    if job.wage_period == "month" and not rounded:
        said = [_("Wage: %(amount)s %(currency)s a month.", amount=amount, currency=currency)]
    else:  # worked out from an hourly, daily, weekly or yearly wage
        said = [_("Wage: about %(amount)s %(currency)s a month.", amount=amount,
                  currency=currency)]
    local = wage_in_corridor_currency(job)
    if local is not None and job.wage_currency != job.corridor.currency:
        amount, _rounded = _whole(local)
        said.append(_("That is about %(amount)s %(currency)s.", amount=amount,
                      currency=_currency(job.corridor.currency, amount, locale)))
    return said


def _hours(job: JobPosting) -> str:
    notes = posting_provenance(job).get("notes") or []
    if not job.hours_per_week or any(str(n).startswith(HOURS_ASSUMED_NOTE) for n in notes):
        return _("Hours of work a week: not stated.")
    return _("Work: %(hours)s hours a week.", hours=str(job.hours_per_week))


def _costs(job: JobPosting, checked: Mapping[str, Any], locale: Locale) -> list[str]:
    """Who pays each recruitment cost, as the cost table shows it: first every cost the
    worker would pay (by the form, or by the ad's own words against the form), then the
    costs that do not apply, then what the employer pays ("all" rather than ten names)."""
    sums = _amounts_in_ad(checked["risks"])
    rows = disclosure.cost_rows(job)
    warnings, by_payer = [], {}
    for row in rows:
        if row.ad_says:
            warnings.append(_ad_says(disclosure.cost_name(row.item), row.ad_says, sums, locale))
        elif row.payer == "worker":
            warnings.append(_worker_pays(disclosure.cost_name(row.item), row.amount,
                                         row.currency, locale))
        elif row.payer:
            by_payer.setdefault(row.payer, []).append(row.item)
    said = warnings + _closing(warnings, contradicted=any(row.ad_says for row in rows))
    if by_payer.get("not_applicable"):
        said.append(_("These costs do not apply to this job: %(costs)s.",
                      costs=_names(by_payer["not_applicable"], locale)))
    others = {row.item for row in rows if row.ad_says or row.payer != "employer"}
    return said + _employer_pays(by_payer.get("employer", []), others, locale)


def _closing(warnings: list[str], contradicted: bool) -> list[str]:
    if contradicted:
        return [_("The recruiter's form and the ad do not agree. The ad's own words say "
                  "you pay some costs. Never pay money to get a job.")]
    if warnings:
        return [_("Under the ILO fair recruitment principles, workers should pay none of "
                  "these.")]
    return []


def _employer_pays(items: list[str | None], others: set[str | None],
                   locale: Locale) -> list[str]:
    """"The employer pays all the (other) recruitment costs" when it does, rather than ten
    names, long to hear (the page's table lists them); `others` were said already."""
    catalogue = set(cost_item_ids())
    if not items:
        return []
    if set(items) >= catalogue:
        return [_("The employer pays all the recruitment costs.")]
    if set(items) | others >= catalogue:
        return [_("The employer pays all the other recruitment costs.")]
    return [_("The employer pays for: %(costs)s.", costs=_names(items, locale))]


def _names(items: Iterable[str | None], locale: Locale) -> str:
    return format_list([disclosure.cost_name(item) for item in items], locale=locale)


def _worker_pays(name: str, amount: Decimal | None, currency: str | None,
                 locale: Locale) -> str:
    if amount is None or not currency:
        return _("Warning: you pay for %(cost)s.", cost=name)
    whole, _rounded = _whole(amount)
    return _("Warning: you pay for %(cost)s: %(amount)s %(currency)s.", cost=name,
             amount=whole, currency=_currency(currency, whole, locale))


def _ad_says(name: str, costs: Iterable[disclosure.TextCost],
             sums: Mapping[str, tuple[float, str | None]], locale: Locale) -> str:
    amounts = list(dict.fromkeys(a for cost in costs for a in cost.amounts))
    if not amounts:
        return _("Warning: the ad's own words say you pay for %(cost)s.", cost=name)
    spoken = format_list([_spoken_sum(a, sums, locale) for a in amounts], locale=locale)
    return _("Warning: the ad's own words say you pay for %(cost)s: %(amounts)s.",
             cost=name, amounts=spoken)


def _amounts_in_ad(findings: Iterable[Mapping[str, Any]]) -> dict[str, tuple[float, str | None]]:
    """The sums of money the vetting found in the ad, by their words ("NPR 60,000"), with
    the value and currency it read in them."""
    return {a["text"]: (a["value"], a.get("currency")) for f in findings
            for a in f.get("amounts") or () if a.get("kind") == "money"
            and a.get("text") and a.get("value") is not None}


def _spoken_sum(text: str, sums: Mapping[str, tuple[float, str | None]],
                locale: Locale) -> str:
    """"60000 Nepalese rupees" for "NPR 60,000"; the ad's words when they were not read."""
    if text not in sums:
        return text
    value, currency = sums[text]
    whole, _rounded = _whole(value)
    return f"{whole} {_currency(currency, whole, locale)}" if currency else whole


def _verdict(job: JobPosting, checked: Mapping[str, Any]) -> list[str]:
    """The recruiter's tier, and the reasons for it the page lists."""
    verdict = VERDICTS.get(checked["tier"])
    said = [str(verdict) % {"name": job.organisation.name}] if verdict else []
    return said + [_sentence(str(reason)) for reason in checked["reasons"]]


def _warnings(summary: Mapping[str, Any]) -> list[str]:
    """The ad's warning signs, each explained as on the page, once per kind of sign."""
    risks: dict[str, Mapping[str, Any]] = {}
    for finding in summary["risks"]:
        risks.setdefault(finding["signal_id"], finding)
    if risks:
        return [_("Warning signs in this ad:"),
                *(_sentence(translated(f["explanation"])) for f in risks.values())]
    if summary["scored"]:
        return [_("No warning signs found in this ad.")]
    return [_sentence(translated(summary["message"]))] if summary["message"] else []


def _sentence(text: str) -> str:
    """A data text as one spoken sentence: ending in a stop, so the voice pauses after it."""
    text = " ".join(text.split())
    return text if not text or text[-1] in ".!?।:" else f"{text}."
