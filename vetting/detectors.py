"""Whole-ad checks that patterns cannot express: weekly hours, what is missing, form fields."""
from __future__ import annotations

from collections.abc import Iterable, Sequence

from vetting.amounts import Amount, AmountFinder, HOURS_PER_WEEK, WorkingTime
from vetting.catalogue import Catalogue, Signal
from vetting.results import AdInput, CostToWorker, Finding



def build_finding(signal: Signal, start: int | None = None, end: int | None = None,
                  text: str = "", amounts: Sequence[Amount] = (), source: str = "text",
                  detail: str = "", negated_from: str | None = None,
                  facts: dict[str, object] | None = None) -> Finding:
    """A Finding carrying the signal's catalogue entry (reference, explanation, fix)."""
    return Finding(signal_id=signal.id, family=signal.family, direction=signal.direction,
                   severity=signal.severity, points=signal.points,
                   ilo_reference=signal.ilo_reference, explanation=signal.explanation,
                   how_to_fix=signal.how_to_fix, start=start, end=end, text=text,
                   amounts=tuple(amounts), source=source, detail=detail,
                   negated_from=negated_from, facts=tuple((facts or {}).items()))


class Detectors:
    """The catalogue's `detector` entries, run after the patterns."""

    def __init__(self, catalogue: Catalogue, amounts: AmountFinder) -> None:
        self.catalogue = catalogue
        self.amounts = amounts
        self.signals = catalogue.signals
        self._excess = self._one("hours", "risk")
        self._hours_stated = self._one("hours", "good_practice")
        self._wage_stated = self._one("wage_field")
        self._licence_shown = self._one("licence_field")
        self._no_wage = self._one("no_wage_stated")
        self._no_hours = self._one("no_hours_stated")
        self._no_licence = self._one("no_licence_number")
        self._above_norm = self._one("wage_above_norm")
        self._costs = self._one("costs_field")

    def _one(self, detector: str, direction: str | None = None) -> Signal | None:
        return next((s for s in self.signals.values() if s.detector == detector
                     and direction in (None, s.direction)), None)

    def working_time(self, text: str) -> list[Finding]:
        """Hours above the weekly maximum are excessive overtime (ILO forced-labour indicator)."""
        time = self.amounts.working_time(text) if text else None
        if time is None:
            return []
        if time.weekly_hours > self.amounts.max_weekly_hours:
            return self._time_finding(self._excess, time.decisive, time)
        return self._time_finding(self._hours_stated, time.parts[0], time)

    @staticmethod
    def _time_finding(signal: Signal | None, shown: Amount, time: WorkingTime) -> list[Finding]:
        if signal is None:
            return []
        weekly = Amount(HOURS_PER_WEEK, time.detail, None, None, time.weekly_hours)
        return [build_finding(signal, shown.start, shown.end, shown.text, (*time.parts, weekly),
                              detail=time.detail)]

    def structured(self, ad: AdInput, found: Iterable[Finding], *,
                   absences: bool = True) -> list[Finding]:
        """Findings from the posting's form fields, and (unless told not to) what it leaves out."""
        have = {f.signal_id for f in found}
        out: list[Finding] = []
        out += self._hours_field(ad, have)
        out += self._wage_fields(ad, have)
        out += self._licence_field(ad, have)
        out += self._costs_field(ad)
        if absences:
            have |= {f.signal_id for f in out}
            out += self._absences(ad, have)
            out += self._hours_gap(ad, have)
        return out

    def _hours_gap(self, ad: AdInput, have: set[str]) -> list[Finding]:
        """A posting whose hours field is empty and whose words state no hours either."""
        signal, stated = self._no_hours, {s.id for s in (self._excess, self._hours_stated) if s}
        if signal is None or "hours" not in ad.unstated or stated & have:
            return []
        if ad.kind not in signal.params.get("applies_to", ()):
            return []
        return [build_finding(signal, source="absence", detail="hours field empty")]

    def _hours_field(self, ad: AdInput, have: set[str]) -> list[Finding]:
        hours = _number(ad.hours_per_week)
        if hours is None or hours <= 0:
            return []
        signal = self._excess if hours > self.amounts.max_weekly_hours else self._hours_stated
        if signal is None or signal.id in have:
            return []
        detail = f"hours_per_week = {hours:g}"
        amount = Amount(HOURS_PER_WEEK, detail, None, None, hours)
        return [build_finding(signal, text=detail, amounts=(amount,), source="structured",
                              detail=detail, facts={"field": "hours", "hours": hours})]

    def _wage_fields(self, ad: AdInput, have: set[str]) -> list[Finding]:
        out = []
        wage = _number(ad.wage_amount) or _number(ad.wage_monthly)
        if wage and self._wage_stated and self._wage_stated.id not in have:
            detail = f"wage stated in the posting form: {wage:,g}"
            facts = {"field": "wage", "amount": wage, "currency": ad.wage_currency,
                     "period": ad.wage_period}
            out.append(build_finding(self._wage_stated, text=detail, source="structured",
                                     detail=detail, facts=facts))
        monthly, norm = _number(ad.wage_monthly), _number(ad.corridor_norm_monthly)
        signal = self._above_norm
        if signal and monthly and norm and norm > 0:
            ratio = float(signal.params.get("ratio", 2.0))
            if monthly > ratio * norm:
                detail = (f"monthly wage {monthly:,g} is {monthly / norm:.1f} times the corridor "
                          f"norm {norm:,g} (flagged above {ratio:g} times)")
                facts = {"field": "wage_norm", "monthly": monthly, "norm": norm}
                out.append(build_finding(signal, text=detail, source="structured", detail=detail,
                                         facts=facts))
        return out

    def _licence_field(self, ad: AdInput, have: set[str]) -> list[Finding]:
        number = (ad.licence_number or "").strip() if isinstance(ad.licence_number, str) else ""
        signal = self._licence_shown
        if not number or signal is None or signal.id in have:
            return []
        detail = f"licence number {number}"
        return [build_finding(signal, text=detail, source="structured", detail=detail,
                              facts={"field": "licence", "number": number})]

    def _costs_field(self, ad: AdInput) -> list[Finding]:
        """Costs the form says the worker pays (ILO GP 7: none should be)."""
        if self._costs is None or not ad.costs_to_worker:
            return []
        recruitment = self.catalogue.words("recruitment_words")
        fee_signal = self.signals.get(str(self._costs.params.get("recruitment_signal")),
                                      self._costs)
        out = []
        for cost in ad.costs_to_worker or ():
            cost = cost if isinstance(cost, CostToWorker) else CostToWorker(str(cost))
            words = set(cost.item.lower().replace("-", " ").split())
            signal = fee_signal if words & recruitment else self._costs
            amounts = () if cost.amount is None else (
                Amount("money", f"{cost.amount:,g}", None, None, cost.amount, cost.currency),)
            detail = f"cost paid by the worker: {cost.item}"
            facts = {"field": "cost", "item": cost.item, "amount": cost.amount,
                     "currency": cost.currency}
            out.append(build_finding(signal, text=detail, amounts=amounts, source="structured",
                                     detail=detail, facts=facts))
        return out

    def _absences(self, ad: AdInput, have: set[str]) -> list[Finding]:
        out = []
        for signal, satisfied_by in ((self._no_wage, (self._wage_stated,)),
                                     (self._no_licence, (self._licence_shown, self._no_licence))):
            if signal is None or ad.kind not in signal.params.get("applies_to", ()):
                continue
            if not {s.id for s in satisfied_by if s is not None} & have:
                out.append(build_finding(signal, source="absence",
                                         detail=f"missing from this {ad.kind.replace('_', ' ')}"))
        return out


def _number(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) != float("inf") else None
