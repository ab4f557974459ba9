"""The scorer's input and output records: an ad with its form fields, findings and the score."""
from __future__ import annotations

from dataclasses import dataclass

from vetting.amounts import Amount

JOB_AD = "job_ad"
PROFILE = "profile"
FRAGMENT = "fragment"
KINDS = (JOB_AD, PROFILE, FRAGMENT)
# What stops an ad from going out until it is edited: any critical finding, and any
# serious one of fees or related costs charged to workers (ILO General Principle 7) or
# of identity documents kept (GP 11, and the forced-labour indicator).
BLOCKING_FAMILIES = ("fees", "passport")


@dataclass(frozen=True)
class CostToWorker:
    """A recruitment cost that a posting discloses as paid by the worker."""

    item: str
    amount: float | None = None
    currency: str | None = None


@dataclass(frozen=True)
class AdInput:
    """An ad to score: its text plus what the posting form says in structured fields.

    `kind` is "job_ad" (a whole posting: a missing wage or licence number counts),
    "profile" (an agency profile: a missing licence number counts) or "fragment" (part of
    an ad: absences are not judged). `wage_monthly` and `corridor_norm_monthly` are in the
    same currency; `costs_to_worker` lists costs the form says the worker pays.
    """

    text: object
    kind: str = JOB_AD
    hours_per_week: float | None = None
    wage_amount: float | None = None
    wage_monthly: float | None = None
    corridor_norm_monthly: float | None = None
    licence_number: str | None = None
    costs_to_worker: tuple[CostToWorker | str, ...] = ()
    wage_currency: str | None = None  # of wage_amount, with its period: named in findings
    wage_period: str | None = None
    # Form fields the posting leaves empty because its ad did not state them ("hours"):
    # each is a gap in what the worker is told, never a compliant figure.
    unstated: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    """One signal found in an ad, with its evidence.

    `start`/`end` are character offsets into the text that was scored (None when the
    finding comes from a structured field or from something missing); `points` is what
    the signal adds to the risk score (negative for good practice). A finding from a form
    field carries `facts`, (name, value) pairs that a page words for its reader; `detail`
    is a note for developers, never shown.
    """

    signal_id: str
    family: str
    direction: str
    severity: str
    points: int
    ilo_reference: tuple[str, ...]
    explanation: str
    how_to_fix: str
    start: int | None
    end: int | None
    text: str
    amounts: tuple[Amount, ...] = ()
    source: str = "text"
    detail: str = ""
    negated_from: str | None = None
    facts: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True)
class Contribution:
    """One line of the score's breakdown: a signal's points (counted once per ad)."""

    signal_id: str
    family: str
    direction: str
    points: int
    findings: int
    ilo_reference: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class FraudEstimate:
    """The learned fraud-pattern estimate; shown beside, never instead of, the findings."""

    probability: float
    top_terms: tuple[tuple[str, float], ...] = ()
    model: str = ""


@dataclass(frozen=True)
class VettingResult:
    """The outcome for one ad. `score` is 0-100 risk, None when the text was not scored.

    The contributions always add up exactly to `score` (caps at 0 and 100 are lines too).
    """

    status: str
    message: str
    score: int | None
    findings: tuple[Finding, ...] = ()
    contributions: tuple[Contribution, ...] = ()
    kind: str = JOB_AD
    truncated: bool = False
    notes: tuple[str, ...] = ()
    original_chars: int = 0
    fraud: FraudEstimate | None = None
    language_supported: bool = True

    @property
    def scored(self) -> bool:
        return self.score is not None

    @property
    def risks(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.direction == "risk")

    @property
    def good_practice(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.direction == "good_practice")

    @property
    def critical(self) -> tuple[Finding, ...]:
        """Critical risks (fees charged to workers, passports kept...): fix before publishing."""
        return tuple(f for f in self.risks if f.severity == "critical")

    @property
    def blocking(self) -> tuple[Finding, ...]:
        """The findings that keep the ad from being published until it is edited."""
        return tuple(f for f in self.risks if f.severity == "critical"
                     or (f.family in BLOCKING_FAMILIES and f.severity == "high"))

    def signal_ids(self) -> set[str]:
        return {f.signal_id for f in self.findings}
