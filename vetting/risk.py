"""Organisation risk: one 0-100 score and a suggested tier from all the evidence (pure).

Every point is a named contribution, so a dossier can show where the score comes from.
Weights follow the severity of what each piece of evidence means for a worker: an
unlicensed or revoked recruiter (ILO General Principles, operational guideline 17 for
labour recruiters: operate within a licensing or registration system), the worst ad an
organisation publishes, how often its ads break the rules, and, when available,
verified grievances and worker reviews.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from vetting.licences import EXPIRED, NONE, NOT_IN_REGISTER, REVOKED

LICENCE_POINTS = {
    "agency": {NONE: 30, EXPIRED: 30, NOT_IN_REGISTER: 35, REVOKED: 50},
    "employer": {NONE: 10, EXPIRED: 15, NOT_IN_REGISTER: 15, REVOKED: 30},
}
WORST_AD_SHARE = 0.5           # of the worst ad's 0-100 score
REPEAT_POINTS, REPEAT_CAP = 5, 20   # per further ad with a critical finding
GRIEVANCE_POINTS = {"verified": 10, "unverified": 2}
GRIEVANCE_CAP = 30
# Worker reviews (app/reviews): what workers report having lived. A reported fee is
# evidence of fees charged (ILO General Principle 7), a passport kept by the employer of
# identity documents retained (GP 11), wages paid late of wage abuse; a rating of 1 or 2
# on those counts as a report. Reviews are moderated but not verified, hence the cap.
REVIEW_POINTS = {"fee": 8, "passport": 6, "wages": 4}
REVIEW_CAP = 30
POOR_RATING = 2
VETTED_BELOW, FLAGGED_FROM = 20, 50


@dataclass(frozen=True)
class AdSummary:
    """What risk needs from one posting's assessment."""

    job_id: int
    score: int | None
    critical: int  # how many critical findings
    title: str = ""  # named in the reason a worker reads


@dataclass(frozen=True)
class ReviewReport:
    """What risk needs from one visible worker review (ratings 1 worst to 5 best)."""

    paid_fee: bool
    passport: int
    wages: int


@dataclass(frozen=True)
class RiskLine:
    """Points and why, as a message id (the code, vetting/messages.py) and its parameters:
    the sentence is worded at display time, in the reader's language."""

    code: str
    points: int
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class OrganisationRiskResult:
    score: int
    suggested_tier: str
    lines: list[RiskLine] = field(default_factory=list)


def organisation_risk(kind: str, licence_status: str, licence_note: Mapping[str, Any],
                      ads: Sequence[AdSummary], grievances: Sequence[str] = (),
                      reviews: Sequence[ReviewReport] = ()) -> OrganisationRiskResult:
    """Combine licence, ads, grievances (each "verified" or "unverified") and worker
    reviews into a risk. `licence_note` is the licence check's note, {"note": id, **params}
    (LicenceCheck.message)."""
    lines: list[RiskLine] = []
    points = LICENCE_POINTS.get(kind, LICENCE_POINTS["agency"]).get(licence_status, 0)
    if points:
        lines.append(RiskLine("licence", points, dict(licence_note)))
    lines += _ad_lines(ads)
    lines += _grievance_lines(grievances)
    lines += _review_lines(reviews)
    total = sum(line.points for line in lines)
    if total > 100:
        lines.append(RiskLine("cap", 100 - total))
        total = 100
    return OrganisationRiskResult(total, suggest_tier(total, licence_status), lines)


def _ad_lines(ads: Sequence[AdSummary]) -> list[RiskLine]:
    scored = [ad for ad in ads if ad.score is not None]
    if not scored:
        return []
    worst = max(scored, key=lambda ad: ad.score)
    lines = []
    if worst.score:
        lines.append(RiskLine("worst_ad", round(worst.score * WORST_AD_SHARE),
                              {"job_id": worst.job_id, "score": worst.score,
                               "title": worst.title, "critical": worst.critical}))
    repeats = sum(1 for ad in scored if ad.critical) - 1
    if repeats > 0:
        lines.append(RiskLine("repeated", min(REPEAT_CAP, repeats * REPEAT_POINTS),
                              {"count": repeats + 1}))
    return lines


def _grievance_lines(grievances: Sequence[str]) -> list[RiskLine]:
    if not grievances:
        return []
    points = min(GRIEVANCE_CAP, sum(GRIEVANCE_POINTS.get(g, 0) for g in grievances))
    verified = sum(1 for g in grievances if g == "verified")
    return [RiskLine("grievances", points, {"count": len(grievances), "verified": verified})]


def _review_lines(reviews: Sequence[ReviewReport]) -> list[RiskLine]:
    fees = sum(1 for r in reviews if r.paid_fee)
    passports = sum(1 for r in reviews if r.passport <= POOR_RATING)
    wages = sum(1 for r in reviews if r.wages <= POOR_RATING)
    points = min(REVIEW_CAP, fees * REVIEW_POINTS["fee"] + passports * REVIEW_POINTS["passport"]
                 + wages * REVIEW_POINTS["wages"])
    if not points:
        return []
    return [RiskLine("reviews", points, {"count": len(reviews), "fees": fees,
                                         "passports": passports, "wages": wages})]


def suggest_tier(score: int, licence_status: str) -> str:
    """Vetted needs a valid licence and a low score; suspension is only ever a reviewer's act."""
    if score >= FLAGGED_FROM:
        return "flagged"
    if score < VETTED_BELOW and licence_status == "valid":
        return "vetted"
    return "under_review"
