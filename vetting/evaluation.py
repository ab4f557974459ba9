"""Measures a scorer against annotated ad snippets: per-family precision and recall, evidence."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from vetting.catalogue import FAMILIES, Catalogue
from vetting.results import FRAGMENT, AdInput, Finding, VettingResult

_FIELDS = ("hours_per_week", "wage_amount", "wage_monthly", "corridor_norm_monthly",
           "licence_number", "costs_to_worker")


@dataclass(frozen=True)
class Expectation:
    """A signal (or any signal of a family) the annotator expects, with its evidence."""

    signal: str | None = None
    family: str | None = None
    span: str | None = None
    amounts: tuple[str, ...] = ()


@dataclass(frozen=True)
class DevCase:
    """One annotated snippet of the development set."""

    id: str
    text: str
    kind: str = FRAGMENT
    fields: Mapping[str, Any] = field(default_factory=dict)
    expect: tuple[Expectation, ...] = ()
    optional: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()

    def to_input(self) -> AdInput:
        fields = {k: v for k, v in self.fields.items() if k in _FIELDS}
        if "costs_to_worker" in fields:
            fields["costs_to_worker"] = tuple(fields["costs_to_worker"])
        return AdInput(text=self.text, kind=self.kind, **fields)


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    """Counts per family and per signal, evidence checks, and every mistake with its case."""

    families: dict[str, Counts] = field(default_factory=dict)
    signals: dict[str, Counts] = field(default_factory=dict)
    spans: Counter = field(default_factory=Counter)
    amounts: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)

    def family(self, name: str) -> Counts:
        return self.families.setdefault(name, Counts())

    def signal(self, name: str) -> Counts:
        return self.signals.setdefault(name, Counts())

    @property
    def span_accuracy(self) -> float:
        return self.spans["hit"] / self.spans["total"] if self.spans["total"] else 1.0

    @property
    def amount_accuracy(self) -> float:
        return self.amounts["hit"] / self.amounts["total"] if self.amounts["total"] else 1.0


def load_dev_set(path: str | Path) -> list[DevCase]:
    """Read the YAML development set (format described at the top of the file)."""
    cases = []
    for entry in yaml.safe_load(Path(path).read_text(encoding="utf-8")):
        expect = tuple(Expectation(signal=e.get("signal"), family=e.get("family"),
                                   span=e.get("span"), amounts=tuple(e.get("amounts") or ()))
                       for e in entry.get("expect") or ())
        cases.append(DevCase(id=entry["id"], text=entry["text"], kind=entry.get("kind", FRAGMENT),
                             fields=entry.get("fields") or {}, expect=expect,
                             optional=frozenset(entry.get("optional") or ()),
                             tags=frozenset(entry.get("tags") or ())))
    return cases


def evaluate(cases: Sequence[DevCase], results: Sequence[VettingResult],
             catalogue: Catalogue) -> Report:
    """Compare results (same order as cases) with the annotations."""
    report = Report()
    for name in FAMILIES:
        report.family(name)
    for case, result in zip(cases, results, strict=True):
        _compare_families(case, result, catalogue, report)
        _compare_signals(case, result, catalogue, report)
        _check_evidence(case, result, catalogue, report)
    return report


def _family_of(name: str, catalogue: Catalogue) -> str:
    return catalogue.signals[name].family if name in catalogue.signals else name


def _compare_families(case: DevCase, result: VettingResult, catalogue: Catalogue,
                      report: Report) -> None:
    expected = {e.family or _family_of(e.signal or "", catalogue) for e in case.expect}
    predicted = {f.family for f in result.findings}
    optional = {_family_of(o, catalogue) for o in case.optional} - expected
    for family in expected | predicted:
        counts = report.family(family)
        if family in expected and family in predicted:
            counts.tp += 1
        elif family in expected:
            counts.fn += 1
            report.errors.append(f"{case.id}: missed family {family}")
        elif family not in optional:
            counts.fp += 1
            found = sorted({f.signal_id for f in result.findings if f.family == family})
            report.errors.append(f"{case.id}: unexpected {', '.join(found)}")


def _compare_signals(case: DevCase, result: VettingResult, catalogue: Catalogue,
                     report: Report) -> None:
    predicted = {f.signal_id for f in result.findings}
    expected = {e.signal for e in case.expect if e.signal}
    loose = {e.family for e in case.expect if e.family and not e.signal} | case.optional
    for name in expected | predicted:
        counts = report.signal(name)
        if name in expected and name in predicted:
            counts.tp += 1
        elif name in expected:
            counts.fn += 1
        elif name not in loose and catalogue.signals[name].family not in loose:
            counts.fp += 1


def _check_evidence(case: DevCase, result: VettingResult, catalogue: Catalogue,
                    report: Report) -> None:
    for expectation in case.expect:
        matching = [f for f in result.findings if _matches(f, expectation)]
        if expectation.span:
            report.spans["total"] += 1
            offset = case.text.find(expectation.span)
            end = offset + len(expectation.span)
            if any(f.start is not None and f.start < end and offset < f.end for f in matching):
                report.spans["hit"] += 1
            elif matching:
                report.errors.append(f"{case.id}: {expectation.signal or expectation.family} "
                                     f"found at {[f.text for f in matching]}, "
                                     f"expected {expectation.span!r}")
        for amount in expectation.amounts:
            report.amounts["total"] += 1
            if any(amount in a.text for f in matching for a in f.amounts):
                report.amounts["hit"] += 1
            else:
                report.errors.append(f"{case.id}: amount {amount!r} not in the evidence")


def _matches(finding: Finding, expectation: Expectation) -> bool:
    if expectation.signal:
        return finding.signal_id == expectation.signal
    return finding.family == expectation.family


def format_report(report: Report, families: Iterable[str] = FAMILIES) -> str:
    """A plain-text table of per-family precision, recall and F1."""
    lines = [f"{'family':<20}{'precision':>10}{'recall':>8}{'F1':>7}{'TP':>5}{'FP':>5}{'FN':>5}"]
    for name in families:
        c = report.family(name)
        lines.append(f"{name:<20}{c.precision:>10.3f}{c.recall:>8.3f}{c.f1:>7.3f}"
                     f"{c.tp:>5}{c.fp:>5}{c.fn:>5}")
    families = list(families)
    micro = Counts(*(sum(getattr(report.family(n), k) for n in families)
                     for k in ("tp", "fp", "fn")))
    lines.append(f"{'all families':<20}{micro.precision:>10.3f}{micro.recall:>8.3f}{micro.f1:>7.3f}"
                 f"{micro.tp:>5}{micro.fp:>5}{micro.fn:>5}")
    signals = Counts(*(sum(getattr(c, k) for c in report.signals.values())
                       for k in ("tp", "fp", "fn")))
    lines.append(f"{'signal level':<20}{signals.precision:>10.3f}{signals.recall:>8.3f}"
                 f"{signals.f1:>7.3f}{signals.tp:>5}{signals.fp:>5}{signals.fn:>5}")
    lines.append(f"evidence spans overlapping the annotation: {report.spans['hit']}/"
                 f"{report.spans['total']} ({report.span_accuracy:.3f}); amounts in evidence: "
                 f"{report.amounts['hit']}/{report.amounts['total']} "
                 f"({report.amount_accuracy:.3f})")
    return "\n".join(lines)
