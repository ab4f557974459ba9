"""The demo job ads as an evaluation set: would a fair ad be refused, is every unfair one caught?

seed/data/jobs.yaml labels each ad with an `intent` (fair or unfair) and the risk families
its author put in it (`signals`). The ads are scored as whole postings from their text and
form fields, as the marketplace does (vetting.services.ad_input), without a database: the
wage comparison with the corridor's norm is left out, because the norm is computed from
stored postings.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from vetting.evaluation import Counts
from vetting.results import BLOCKING_FAMILIES, JOB_AD, AdInput, CostToWorker, VettingResult



@dataclass(frozen=True)
class DemoAd:
    ref: str
    intent: str
    families: frozenset[str]
    ad: AdInput


@dataclass
class DemoReport:
    fair: int = 0
    unfair: int = 0
    fair_blocked: list[str] = field(default_factory=list)
    severe: int = 0  # ads labelled with fees or passport retention
    severe_missed: list[str] = field(default_factory=list)
    families: dict[str, Counts] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def load_demo_ads(jobs: str | Path, organisations: str | Path) -> list[DemoAd]:
    """Every demo ad with its labels, as the scorer's input."""
    licences = {o["name"]: o.get("licence_number")
                for o in yaml.safe_load(Path(organisations).read_text(encoding="utf-8"))}
    ads = []
    for job in yaml.safe_load(Path(jobs).read_text(encoding="utf-8")):
        text = "\n\n".join(p for p in (job.get("title"), job.get("description"),
                                       job.get("benefits")) if p)
        costs = tuple(CostToWorker(item, cost.get("amount"), cost.get("currency"))
                      for item, cost in (job.get("costs") or {}).items()
                      if cost.get("payer") == "worker")
        wage = job.get("wage") or {}
        ad = AdInput(text=text, kind=JOB_AD, hours_per_week=job.get("hours_per_week"),
                     wage_amount=wage.get("amount"),
                     licence_number=licences.get(job["organisation"]), costs_to_worker=costs)
        ads.append(DemoAd(job["ref"], job.get("intent", "fair"),
                          frozenset(job.get("signals") or ()), ad))
    return ads


def evaluate_demo(ads: Sequence[DemoAd], results: Sequence[VettingResult]) -> DemoReport:
    """Fair ads refused, severe-risk ads let through, and per-family counts of risk findings."""
    report = DemoReport()
    for demo, result in zip(ads, results, strict=True):
        refused = result.blocking
        found = {f.family for f in result.risks if f.source == "text"}
        if demo.intent == "fair":
            report.fair += 1
            if refused:
                report.fair_blocked.append(demo.ref)
                report.errors.append(f"{demo.ref}: fair ad refused for "
                                     + "; ".join(f"{f.signal_id} {f.text!r}" for f in refused))
        else:
            report.unfair += 1
        if demo.families & set(BLOCKING_FAMILIES):
            report.severe += 1
            if not refused:
                report.severe_missed.append(demo.ref)
                report.errors.append(f"{demo.ref}: labelled {sorted(demo.families)}, not refused")
        for family in demo.families | found:
            counts = report.families.setdefault(family, Counts())
            if family in demo.families and family in found:
                counts.tp += 1
            elif family in demo.families:
                counts.fn += 1
                report.errors.append(f"{demo.ref}: missed {family}")
            else:
                counts.fp += 1
                report.errors.append(f"{demo.ref}: unexpected {family} " + "; ".join(
                    f"{f.signal_id} {f.text!r}" for f in result.risks if f.family == family))
    return report


def format_demo_report(report: DemoReport) -> str:
    lines = [f"fair ads refused publication: {len(report.fair_blocked)}/{report.fair}",
             f"ads labelled with fees or passport retention that were not refused: "
             f"{len(report.severe_missed)}/{report.severe}",
             f"{'risk family (text)':<20}{'precision':>10}{'recall':>8}{'F1':>7}"
             f"{'TP':>5}{'FP':>5}{'FN':>5}"]
    total = Counts()
    for name in sorted(report.families):
        c = report.families[name]
        total.tp, total.fp, total.fn = total.tp + c.tp, total.fp + c.fp, total.fn + c.fn
        lines.append(f"{name:<20}{c.precision:>10.3f}{c.recall:>8.3f}{c.f1:>7.3f}"
                     f"{c.tp:>5}{c.fp:>5}{c.fn:>5}")
    lines.append(f"{'all families':<20}{total.precision:>10.3f}{total.recall:>8.3f}"
                 f"{total.f1:>7.3f}{total.tp:>5}{total.fp:>5}{total.fn:>5}")
    return "\n".join(lines)
