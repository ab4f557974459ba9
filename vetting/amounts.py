"""Finds sums of money and working time in ad text, with their values, to cite as evidence.

Regular expressions over the raw text are used rather than the statistical NER: they are
cheaper, and they read corridor currencies ("NPR 1,20,000", "Rs.30,000", "5000/-") that a
general English model misses.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

MONEY = "money"
HOURS_PER_DAY = "hours_per_day"
HOURS_PER_WEEK = "hours_per_week"
DAYS_PER_WEEK = "days_per_week"

_NUM = r"\d{1,3}(?:,\d{2,3})+(?:\.\d+)?|\d{1,3}(?:\.\d{3})+(?![\d.])|\d+(?:\.\d+)?"
_NUMBER = re.compile(rf"(?=\d)(?<!\d)(?<!\d[.,])(?:{_NUM})")
# The word or symbol just before a number, looked up among the currency names:
# "USD 1,300", "Rs.45,000", "US$1,200", "₱15,000", "(QAR 1,250".
_TRAILING_WORD = re.compile(r"(?:^|(?<=[\s(:;,/]))([A-Za-z]{1,5}\.?\$?|[^\w\s])\s?\Z")
_YEARS = re.compile(r"\s*\+?\s*(?:years?|yrs?)\b", re.I)
_PERIOD = re.compile(r"\s*(?:per|a|an|/|each|every)\s*"
                     r"(?P<period>month|mo|hour|hr|day|week|year|annum)\b"
                     r"|\s+(?P<period_adv>monthly|weekly|daily|hourly|annually|yearly)\b", re.I)
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
_DAY_NUM = r"[1-7]|one|two|three|four|five|six|seven"
# The period after a number of hours: "a day", "per week", "daily".
_HOURS_PER = (r"(?:\s*(?:a|per|/|each|every|in\s+a)\s*(?P<unit>day|week|wk|shift|month)\b"
              r"|\s+(?P<adv>daily|weekly|a\s+day|a\s+week|shifts?|duty|per\s+shift|workday|week"
              r"|workweek|working\s+week|working\s+day)\b)")
# Patterns that begin with a look-behind or \b start with a look-ahead for their first
# character: it changes nothing they match, and lets `re` skip quickly to where they can.
_HOURS = re.compile(
    r"(?=\d)(?<![\d.,:])(?P<h>\d{1,3}(?:\.\d)?)\s*(?:-\s*)?(?:hours?|hrs?|h)(?![a-z])"
    + _HOURS_PER + "?", re.I)
# Hours in words ("eight hours a day", "sixty hours per week") count only with their period:
# "two hours from the airport" is no working time.
_UNITS = ("one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
          "fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_NUMBER_WORDS = {word: n for n, word in enumerate(_UNITS, 1)} | {
    word: 10 * n for n, word in enumerate(_TENS, 2)}
_HOURS_IN_WORDS = re.compile(
    rf"\b(?P<h>(?:{'|'.join(_TENS)})(?:[-\s](?:{'|'.join(_UNITS[:9])}))?"
    rf"|{'|'.join(sorted(_UNITS, key=len, reverse=True))})\s*(?:-\s*)?(?:hours?|hrs?)\b"
    + _HOURS_PER, re.I)
# Where hours in words can end: the scan for them starts from these, a few words back.
_HOUR_WORD = re.compile(r"h(?:ou)?rs?\b", re.I)
_WORD_START = re.compile(r"\b[a-z]", re.I)
_LONGEST_HOUR_WORDS = 40  # characters from the start of "seventy-seven hours" to "hours"
_HOURS_STATED = re.compile(
    r"(?=[wd])\b(?:working|work|duty)\s+(?:hours?|time)\s*(?:are|is|:|-|=)?\s*(?P<h>\d{1,2})"
    r"(?![\d:.]|\s*(?:am|pm|a\.m|p\.m|hours?|hrs?|h\b|to\b|-|–))", re.I)
_TIME = r"(?P<{0}>\d{{1,2}})(?::(?P<{0}m>\d{{2}}))?\s*(?P<{0}p>am|pm|a\.m\.?|p\.m\.?)"
_RANGE = re.compile(_TIME.format("a") + r"\s*(?:-|–|to|till|until)\s*" + _TIME.format("b"), re.I)
_RANGE_24H = re.compile(
    r"(?=\d)\b(?P<a>\d{1,2}):(?P<am>\d{2})\s*(?:-|–|to)\s*(?P<b>\d{1,2}):(?P<bm>\d{2})")
_DAYS = re.compile(
    rf"(?=[1-7otfs])\b(?P<d>{_DAY_NUM})\s*(?:-\s*)?days?"
    rf"(?:\s*(?:a|per|/|each|every|in\s+a)\s*week\b|\s+weekly\b|(?=\s*[,.;)]))", re.I)
_DAYS_OFF = re.compile(rf"(?=[1-7otfs])\b(?P<d>{_DAY_NUM})\s+days?\s+off\b", re.I)
_SEGMENT = re.compile(r"[^.;!?\n]+")


@dataclass(frozen=True)
class Amount:
    """A sum of money or a quantity of working time, with its character offsets in the text
    (None for a figure worked out from others or taken from a form field)."""

    kind: str
    text: str
    start: int | None
    end: int | None
    value: float | None
    currency: str | None = None
    period: str | None = None


@dataclass(frozen=True)
class WorkingTime:
    """Hours per week worked out from the text, and the expression that decides it."""

    weekly_hours: float
    decisive: Amount
    parts: tuple[Amount, ...]
    detail: str


class AmountFinder:
    """Money and hours recognisers built from the catalogue's `amounts` and `hours` settings."""

    def __init__(self, amounts: Mapping[str, Any], hours: Mapping[str, Any]) -> None:
        self._currency_of = {alias.lower(): code for code, aliases in
                             (amounts.get("currencies") or {}).items() for alias in aliases}
        self._multipliers = {k.lower(): float(v) for k, v in
                             (amounts.get("multipliers") or {}).items()}
        self._after = _money_regexes(self._currency_of, self._multipliers,
                                     amounts.get("money_suffixes") or ["/-"])
        self._not_work = frozenset(w.lower() for w in hours.get("not_work_time", ()))
        self._not_work_before = frozenset(w.lower() for w in hours.get("not_work_time_before", ()))
        self._opening = frozenset(w.lower() for w in hours.get("opening_hours_words", ()))
        self.max_weekly_hours = float(hours.get("max_weekly_hours", 60))
        self.default_days = float(hours.get("default_days_per_week", 6))

    def money(self, text: str) -> list[Amount]:
        """Every sum of money, e.g. "USD 1,300", "3 lakh rupees", "5000/-".

        Only single-word currency names are read before a number; longer names
        ("US dollars") are read after it.
        """
        found = []
        for number in _NUMBER.finditer(text):
            amount = self._money_at(text, number)
            if amount is not None:
                found.append(amount)
        return found

    def _money_at(self, text: str, number: re.Match[str]) -> Amount | None:
        """A number becomes money with a currency before or after it, a multiplier or "/-"."""
        before = _TRAILING_WORD.search(text, max(0, number.start() - 12), number.start())
        if before and before.group(1).lower() not in self._currency_of:
            before = None
        after = self._after.match(text, number.end())
        currency = (before.group(1) if before else None) or after.group("cur")
        if currency is None and not after.group("mult") and not after.group("suffix"):
            return None
        if _YEARS.match(text, after.end()):
            return None  # "PHP 5 years": a programming language, not pesos
        value = _number(number.group(0))
        if value is not None and after.group("mult"):
            value *= self._multipliers.get(after.group("mult").lower(), 1.0)
        start = before.start() if before else number.start()
        end, period = after.end(), None
        tail = _PERIOD.match(text, end)
        if tail:
            end, period = tail.end(), tail.group("period") or tail.group("period_adv")
        return Amount(MONEY, text[start:end], start, end, value,
                      self._currency_of.get(currency.lower()) if currency else None,
                      _period(period))

    def working_time(self, text: str) -> WorkingTime | None:
        """Hours a week from "12 hours a day, 7 days a week", "72 hours per week", "7am to 9pm"."""
        hours = self._hours(text)
        if not hours:
            return None
        days, day_parts = self._days(text)
        best: tuple[float, Amount, str] | None = None
        for amount in hours:
            if amount.kind == HOURS_PER_WEEK:
                weekly, detail = amount.value or 0.0, f"{amount.value:g} hours a week"
            else:
                weekly = (amount.value or 0.0) * days
                detail = f"{amount.value:g} hours a day × {days:g} days = {weekly:g} hours a week"
            if best is None or weekly > best[0]:
                best = (weekly, amount, detail)
        assert best is not None
        return WorkingTime(best[0], best[1], tuple(hours) + day_parts, best[2])

    def _hours(self, text: str) -> list[Amount]:
        found = [a for m in (*_HOURS.finditer(text), *_hours_in_words(text))
                 if (a := self._hours_match(text, m))]
        found += [Amount(HOURS_PER_DAY, m.group(0), m.start(), m.end(), float(m.group("h")))
                  for m in _HOURS_STATED.finditer(text) if 0 < int(m.group("h")) <= 24]
        for regex in (_RANGE, _RANGE_24H):
            for m in regex.finditer(text):
                if not self._in_opening_hours(text, m.start()):
                    found.append(Amount(HOURS_PER_DAY, m.group(0), m.start(), m.end(),
                                        _duration(m)))
        return sorted(_without_overlaps(found), key=lambda a: a.start)

    def _hours_match(self, text: str, m: re.Match[str]) -> Amount | None:
        value = _hour_count(m.group("h"))
        before = re.findall(r"[a-z]+", text[max(0, m.start() - 20):m.start()].lower())
        if before and (before[-1] in self._not_work_before or before[-1] in self._not_work):
            return None  # "within 48 hours", "break 1 hour"
        following = re.match(r"\s*-?\s*([a-z]+)", text[m.end():m.end() + 30].lower())
        if following and following.group(1) in self._not_work:
            return None  # "1 hour break", "24 hours helpline"
        if "-" in text[m.start():m.end()] and not (m.group("unit") or m.group("adv")):
            return None  # "24-hour helpline": an adjective, not working time
        unit = (m.group("unit") or m.group("adv") or "").lower()
        if "week" in unit or unit == "wk":
            return Amount(HOURS_PER_WEEK, m.group(0), m.start(), m.end(), value)
        if unit == "month":
            return Amount(HOURS_PER_WEEK, m.group(0), m.start(), m.end(), round(value / 4.33, 1))
        if unit or value <= 24:
            return Amount(HOURS_PER_DAY, m.group(0), m.start(), m.end(), value)
        if value <= 168:
            return Amount(HOURS_PER_WEEK, m.group(0), m.start(), m.end(), value)
        return None

    def _days(self, text: str) -> tuple[float, tuple[Amount, ...]]:
        parts = [Amount(DAYS_PER_WEEK, m.group(0), m.start(), m.end(), float(_day(m.group("d"))))
                 for m in _DAYS.finditer(text)
                 if not self._in_opening_hours(text, m.start()) and not _after_within(text, m)]
        parts += [Amount(DAYS_PER_WEEK, m.group(0), m.start(), m.end(), 7.0 - _day(m.group("d")))
                  for m in _DAYS_OFF.finditer(text)]
        if not parts:
            return self.default_days, ()
        return max(a.value or 0.0 for a in parts), tuple(parts)

    def _in_opening_hours(self, text: str, offset: int) -> bool:
        for seg in _SEGMENT.finditer(text):
            if seg.start() <= offset < seg.end():
                return bool(self._opening & set(re.findall(r"[a-z]+", seg.group(0).lower())))
        return False


def _money_regexes(currencies: Mapping[str, str], multipliers: Mapping[str, float],
                   suffixes: Iterable[str]) -> re.Pattern[str]:
    """A multiplier, "/-" or currency just after a number ("3 lakh rupees", "2,000 AED")."""
    def alternatives(words: Iterable[str]) -> str:
        parts = []
        for word in sorted(words, key=len, reverse=True):
            body = re.escape(word).replace(r"\ ", r"\s+")
            parts.append(rf"(?<![a-z]){body}(?![a-z])" if word[:1].isalpha() else body)
        return "|".join(parts)

    cur, mult = alternatives(currencies), alternatives(multipliers)
    suffix = "|".join(re.escape(s) for s in suffixes)
    return re.compile(rf"(?:\s?(?P<mult>{mult}))?(?P<suffix>{suffix})?(?:\s?(?P<cur>{cur}))?",
                      re.I)


def _number(text: str | None) -> float | None:
    if not text:
        return None
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", text):
        text = text.replace(".", "")  # "1.300" written with a dot for thousands
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def _period(word: str | None) -> str | None:
    if not word:
        return None
    word = word.lower()
    for period in ("month", "hour", "day", "week", "year"):
        if word.startswith(period[:2]) or (period == "year" and word.startswith(("ann", "yea"))):
            return period
    return "month" if word == "mo" else None


def _duration(m: re.Match[str]) -> float:
    def clock(hour: str, minutes: str | None, half: str | None) -> float:
        h = int(hour) % 12 if half else int(hour)
        if half and half.lower().startswith("p"):
            h += 12
        return h + int(minutes or 0) / 60

    start = clock(m.group("a"), m.group("am"), m.groupdict().get("ap"))
    end = clock(m.group("b"), m.group("bm"), m.groupdict().get("bp"))
    length = end - start if end > start else end + 24 - start
    return round(length, 2)


def _hours_in_words(text: str) -> list[re.Match[str]]:
    """What `_HOURS_IN_WORDS.finditer(text)` finds, looked for only before each "hour(s)":
    scanning every letter of the ad for a number word costs far more."""
    found: list[re.Match[str]] = []
    for hour in _HOUR_WORD.finditer(text):
        if found and hour.start() < found[-1].end():
            continue
        start = max(found[-1].end() if found else 0, hour.start() - _LONGEST_HOUR_WORDS)
        for word in _WORD_START.finditer(text, start, hour.start()):
            m = _HOURS_IN_WORDS.match(text, word.start())
            if m and m.end() > hour.start():
                found.append(m)
                break
    return found


def _hour_count(number: str) -> float:
    """A number of hours in figures or words ("10.5", "eight", "forty-eight")."""
    if number[0].isdigit():
        return float(number)
    return float(sum(_NUMBER_WORDS[part] for part in re.split(r"[-\s]+", number.lower())))


def _day(word: str) -> int:
    return int(word) if word.isdigit() else _WORDS[word.lower()]


def _after_within(text: str, m: re.Match[str]) -> bool:
    before = text[max(0, m.start() - 12):m.start()].lower().split()
    return bool(before) and before[-1] in ("within", "in", "after", "for", "of", "next", "last")


def _without_overlaps(amounts: list[Amount]) -> list[Amount]:
    kept: list[Amount] = []
    for amount in sorted(amounts, key=lambda a: (a.start, -(a.end - a.start))):
        if not kept or amount.start >= kept[-1].end:
            kept.append(amount)
    return kept
