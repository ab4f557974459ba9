"""What a worker is told about a job beside what the recruiter declared: the costs that the
ad's own words make the worker pay, the recruiter's verdict and the ad's worst warning sign.

A recruiter's cost form can say "employer" for every cost while the ad asks for money; the
stored vetting assessment (vetting/models.py) holds what the text says: each finding's quoted
words, their place in the scored text and the sums of money written beside them.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from app.jobs.costs import cost_items, cost_label
from app.jobs.models import JobPosting

RECRUITMENT_FEE = "recruitment_fee"
# Signals by which an ad's words make the worker pay: a fee (the recruitment fee unless the
# words name another cost), or a related cost or a deduction (whatever cost the words name).
FEE_SIGNALS = ("fees.recruitment_fee", "fees.payment_demanded", "fees.split_payment",
               "fees.deposit_bond")
COST_SIGNALS = FEE_SIGNALS + ("fees.related_costs", "debt.wage_deduction")
SEVERITY_RANK = {"critical": 3, "high": 2, "medium": 1, "low": 0}
_WORD = re.compile(r"[^\W\d_]+")
_SENTENCE_END = re.compile(r"[.!?\n]")

# One short line per warning sign, for job lists (the page of the job explains each one).
SHORT_WARNINGS = {
    "fees.recruitment_fee": _l("Asks you to pay a fee for the job"),
    "fees.related_costs": _l("Makes you pay costs such as the visa or ticket"),
    "fees.deposit_bond": _l("Asks you for a deposit or a guarantee"),
    "fees.split_payment": _l("Asks you to pay in parts, now and later"),
    "fees.payment_demanded": _l("Asks you to send money"),
    "debt.wage_deduction": _l("Takes costs out of your wages"),
    "debt.loan": _l("Offers you a loan to pay for the job"),
    "passport.retention": _l("Keeps your passport"),
    "deception.vague_wage": _l("Does not say the real wage"),
    "deception.no_wage_stated": _l("Does not say what it pays"),
    "deception.no_hours_stated": _l("Does not say the working hours"),
    "deception.wage_above_norm": _l("Wage too good to be true"),
    "deception.visit_visa": _l("Sends you on a visit visa, not a work visa"),
    "deception.contract_substitution": _l("New contract only after you arrive"),
    "deception.guaranteed_job": _l("Promises a job or visa for sure"),
    "restriction.resignation_penalty": _l("You must pay if you leave early"),
    "restriction.threats": _l("Threatens workers"),
    "restriction.movement": _l("You may not go out freely"),
    "restriction.isolation": _l("Takes your phone or keeps you from your family"),
    "restriction.employer_change": _l("You may never change employer"),
    "withholding.wages_held": _l("Keeps back part of your wages"),
    "withholding.deferred_wages": _l("Pays your wages late"),
    "overtime.excessive_hours": _l("More than 60 hours of work a week"),
    "overtime.no_rest_day": _l("No day off in the week"),
    "overtime.forced_overtime": _l("Overtime you cannot refuse, or unpaid"),
    "irregular.messenger_only": _l("Only reachable by WhatsApp or similar"),
    "irregular.informal_payment": _l("Money to a personal account or in cash"),
    "irregular.no_licence_number": _l("Shows no licence number"),
}
OTHER_WARNING = _l("A warning sign in this ad")
OTHER_COST = _l("Other money")
# A sign beside each verdict, so that it reads without colour too.
TIER_CUES = {"vetted": "✓", "under_review": "?", "flagged": "⚠", "suspended": "✖"}


@dataclass(frozen=True)
class TextCost:
    """A cost the ad's words make the worker pay: the cost item (None when the words name no
    particular cost), the quoted words and the sums of money written beside them."""

    item: str | None
    quote: str
    amounts: tuple[str, ...] = ()


@dataclass(frozen=True)
class CostRow:
    """One line of a job's cost table: what the form declares and what the ad's words say."""

    item: str | None
    payer: str | None  # as declared; None when the form does not list this cost
    amount: Decimal | None = None
    currency: str | None = None
    ad_says: tuple[TextCost, ...] = ()


@dataclass(frozen=True)
class JobSummary:
    """What a job list says about one job in two short lines."""

    tier: str
    worst: str | None  # the worst warning sign, in a few words; None when there is none
    worst_severity: str | None
    more_warnings: int  # how many other kinds of warning sign the ad has
    checked: bool  # whether the ad's words were checked at all
    ad_costs: tuple[TextCost, ...]
    declared_worker_pays: bool

    @property
    def cue(self) -> str:
        return TIER_CUES.get(self.tier, "?")

    @property
    def costs_line(self) -> str:
        """"ad_says", "declared", "unchecked" or "none" (see jobs/_job_card.html)."""
        if self.ad_costs:
            return "ad_says"
        if self.declared_worker_pays:
            return "declared"
        return "none" if self.checked else "unchecked"

    @property
    def reassuring(self) -> bool:
        """Whether "no costs for you" may be shown as good news: not beside a flagged or
        suspended recruiter, nor beside a serious warning sign in the same ad."""
        return (self.costs_line == "none" and self.tier not in ("flagged", "suspended")
                and SEVERITY_RANK.get(self.worst_severity or "low", 0) < SEVERITY_RANK["high"])


def _findings(job: JobPosting) -> list[Mapping[str, Any]]:
    assessment = job.assessment
    return list(assessment.findings or []) if assessment is not None else []


def _risks(findings: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [f for f in findings if f.get("direction") == "risk"]


def _named_items(text: str) -> list[str]:
    """The cost items an ad's words name, in catalogue order."""
    words = {w.lower() for w in _WORD.findall(text)}
    return [item.id for item in cost_items() if words.intersection(item.ad_words)]


def _sentence(text: str, start: int | None, end: int | None) -> str:
    if not text or start is None or end is None:
        return ""
    before = [m.end() for m in _SENTENCE_END.finditer(text, 0, start)]
    after = _SENTENCE_END.search(text, end)
    return text[before[-1] if before else 0:after.end() if after else len(text)].strip()


def _quote(finding: Mapping[str, Any], scored_text: str, limit: int = 200) -> str:
    """The sentence the finding's words stand in, so that the worker reads them in context
    (the words alone when the sentence is too long or unknown)."""
    words = " ".join((finding.get("text") or "").split())
    sentence = " ".join(_sentence(scored_text, finding.get("start"), finding.get("end")).split())
    return sentence if words and words in sentence and len(sentence) <= limit else words


def _items_of(finding: Mapping[str, Any], scored_text: str) -> list[str | None]:
    """Which costs a finding is about: those its words name, else those of its sentence
    (a related cost or deduction), else the recruitment fee for a fee, else unknown."""
    named = _named_items(finding.get("text") or "")
    if not named and finding["signal_id"] not in FEE_SIGNALS:
        named = [i for i in _named_items(_sentence(scored_text, finding.get("start"),
                                                   finding.get("end"))) if i != RECRUITMENT_FEE]
    if named:
        return list(named)
    return [RECRUITMENT_FEE if finding["signal_id"] in FEE_SIGNALS else None]


def ad_costs(job: JobPosting) -> tuple[TextCost, ...]:
    """The costs the ad's own words make the worker pay where the recruiter's form does not
    say so (a cost the form already charges to the worker is shown as the form says)."""
    charged = {c.item for c in job.costs if c.payer == "worker"}
    return tuple(c for c in _text_costs(job) if c.item not in charged)


def _text_costs(job: JobPosting) -> tuple[TextCost, ...]:
    assessment = job.assessment
    scored_text = assessment.scored_text if assessment is not None else ""
    found: dict[tuple[str | None, str], TextCost] = {}
    for finding in _risks(_findings(job)):
        if finding.get("source") != "text" or finding["signal_id"] not in COST_SIGNALS:
            continue
        quote = _quote(finding, scored_text)
        amounts = tuple(dict.fromkeys(a["text"] for a in finding.get("amounts") or ()
                                      if a.get("kind") == "money" and a.get("text")))
        for item in _items_of(finding, scored_text):
            key = (item, quote.lower())
            if key not in found:
                found[key] = TextCost(item, quote, amounts)
    return tuple(found.values())


def cost_rows(job: JobPosting) -> list[CostRow]:
    """The cost table: every declared cost with what the ad's words say about it, then the
    costs the words name that the form does not list."""
    said = ad_costs(job)
    order = {item.id: n for n, item in enumerate(cost_items())}
    declared = sorted(job.costs, key=lambda c: order.get(c.item, len(order)))
    rows = [CostRow(c.item, c.payer, c.amount, c.currency,
                    tuple(t for t in said if t.item == c.item)) for c in declared]
    listed = {c.item for c in declared}
    extra: dict[str | None, list[TextCost]] = {}
    for cost in said:
        if cost.item not in listed:
            extra.setdefault(cost.item, []).append(cost)
    return rows + [CostRow(item, None, ad_says=tuple(costs)) for item, costs in extra.items()]


def worst_finding(findings: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The most severe warning sign (then the one adding most risk points), if any."""
    return max(_risks(findings), default=None, key=lambda f: (
        SEVERITY_RANK.get(f.get("severity"), 0), f.get("points") or 0))


def short_warning(finding: Mapping[str, Any]) -> str:
    """A warning sign in a few words, for a list."""
    return str(SHORT_WARNINGS.get(finding["signal_id"], OTHER_WARNING))


def job_summary(job: JobPosting) -> JobSummary:
    """The recruiter's verdict, the worst warning and the truth about costs, for a job card."""
    findings = _findings(job)
    worst = worst_finding(findings)
    kinds = {f["signal_id"] for f in _risks(findings)}
    assessment = job.assessment
    return JobSummary(tier=job.organisation.tier, worst=worst and short_warning(worst),
                      worst_severity=worst and worst.get("severity"),
                      more_warnings=max(0, len(kinds) - 1),
                      checked=assessment is not None and assessment.score is not None,
                      ad_costs=ad_costs(job),
                      declared_worker_pays=any(c.payer == "worker" for c in job.costs))


def cost_name(item: str | None) -> str:
    """A cost item's label in the reader's language; "Other money" for an unnamed cost."""
    return cost_label(item) if item else str(OTHER_COST)


def describe_costs(costs: Sequence[TextCost], limit: int = 2) -> str:
    """"Visa and work permit (AED 5,000), Recruitment or placement fee": the first few
    costs the ad's words name, each with the sum written beside it, for one line."""
    by_item: dict[str | None, list[str]] = {}
    for cost in costs:
        by_item.setdefault(cost.item, []).extend(cost.amounts)
    parts = []
    for item, amounts in list(by_item.items())[:limit]:
        sums = ", ".join(dict.fromkeys(amounts))
        parts.append(f"{cost_name(item)} ({sums})" if sums else cost_name(item))
    return ", ".join(parts) + (" …" if len(by_item) > limit else "")
