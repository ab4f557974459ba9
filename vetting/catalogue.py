"""Loads and checks the signal catalogue (vetting/catalogue.yaml): the data the scorer runs on."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CATALOGUE_PATH = Path(__file__).with_name("catalogue.yaml")

FAMILIES = ("fees", "debt", "passport", "deception", "restriction", "withholding", "overtime",
            "irregular_channel", "good_practice")
DIRECTIONS = ("risk", "good_practice")
DETECTORS = ("hours", "no_wage_stated", "no_licence_number", "wage_above_norm", "licence_field",
             "wage_field", "costs_field", "no_hours_stated")
# Every citation names one of the standards the project rests on (see ILO.md).
KNOWN_SOURCES = (
    "ILO General Principles and Operational Guidelines for Fair Recruitment (2019)",
    "ILO Definition of recruitment fees and related costs (2019)",
    "ILO indicators of forced labour",
    "Employer Pays Principle",
)
_FILTER_KEYS = ("if_sentence_has", "unless_sentence_has", "unless_doc_has", "not_after",
                "not_before", "unless_paid_thing_in")
_PATTERN_KINDS = ("tokens", "phrase", "dependency")


class CatalogueError(ValueError):
    """The catalogue file is malformed; the message names every entry and field at fault."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Filters:
    """Context conditions on a match; words are lemmas or lower-case forms."""

    if_sentence_has: frozenset[str] = frozenset()
    unless_sentence_has: frozenset[str] = frozenset()
    unless_doc_has: frozenset[str] = frozenset()
    not_after: frozenset[str] = frozenset()
    not_before: frozenset[str] = frozenset()
    # What the matched verb is about ("the return ticket is paid at the end"): dropped when
    # the thing paid, given or kept is one of these words.
    unless_paid_thing_in: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PatternSpec:
    """One pattern of a signal with its own filters; `when_actor` None inherits the signal's."""

    kind: str
    pattern: Any
    filters: Filters
    when_actor: Mapping[str, str | None] | None = None
    actor_verbs: frozenset[str] | None = None
    fallback: bool = False


@dataclass(frozen=True)
class Signal:
    """One entry of the catalogue."""

    id: str
    family: str
    direction: str
    severity: str
    weight: int
    ilo_reference: tuple[str, ...]
    explanation: str
    how_to_fix: str
    patterns: tuple[PatternSpec, ...] = ()
    filters: Filters = Filters()
    negatable: bool = False
    when_negated: str | None = None
    actor_verbs: frozenset[str] = frozenset()
    when_actor: Mapping[str, str | None] = field(default_factory=dict)
    amounts: str | None = None
    requires_amount: bool = False
    drop_if_money_in_sentence: bool = False
    overridden_by: tuple[str, ...] = ()
    detector: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def points(self) -> int:
        """Score points: risk adds its weight, good practice subtracts it."""
        return self.weight if self.direction == "risk" else -self.weight


@dataclass(frozen=True)
class Catalogue:
    """The loaded catalogue: signals by id plus the shared word lists and settings."""

    signals: Mapping[str, Signal]
    severities: Mapping[str, int]
    lexicon: Mapping[str, tuple[str, ...]]
    negation: Mapping[str, Any]
    amounts: Mapping[str, Any]
    hours: Mapping[str, Any]
    kinds: Mapping[str, str]
    score_range: tuple[int, int]

    def signal(self, signal_id: str) -> Signal:
        return self.signals[signal_id]

    def words(self, name: str) -> frozenset[str]:
        return frozenset(self.lexicon.get(name, ()))


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Read, expand and check the catalogue; raise CatalogueError listing every problem."""
    raw = yaml.safe_load(Path(path or CATALOGUE_PATH).read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or not isinstance(raw.get("signals"), list):
        raise CatalogueError(["catalogue: expected a mapping with a 'signals' list"])
    lexicon = {k: tuple(str(w).lower() for w in v) for k, v in (raw.get("lexicon") or {}).items()}
    severities = {str(k): int(v) for k, v in (raw.get("severities") or {}).items()}
    problems: list[str] = []
    signals: dict[str, Signal] = {}
    for index, entry in enumerate(raw["signals"]):
        signal = _build_signal(entry, index, lexicon, severities, problems)
        if signal is None:
            continue
        if signal.id in signals:
            problems.append(f"signal {signal.id}: duplicate id")
        signals[signal.id] = signal
    _check_references(signals, problems)
    if problems:
        raise CatalogueError(problems)
    low, high = raw.get("score_range", [0, 100])
    return Catalogue(signals=signals, severities=severities, lexicon=lexicon,
                     negation=_expand(raw.get("negation") or {}, lexicon),
                     amounts=raw.get("amounts") or {},
                     hours=_expand(raw.get("hours") or {}, lexicon),
                     kinds=raw.get("kinds") or {}, score_range=(int(low), int(high)))


def _build_signal(entry: Any, index: int, lexicon: Mapping[str, tuple[str, ...]],
                  severities: Mapping[str, int], problems: list[str]) -> Signal | None:
    if not isinstance(entry, dict) or not entry.get("id"):
        problems.append(f"signals[{index}]: an entry needs an 'id'")
        return None
    sid = str(entry["id"])
    found = _check_fields(sid, entry, severities)
    problems.extend(found)
    patterns = _build_patterns(sid, entry, lexicon, problems)
    if found:
        return None
    when_actor = entry.get("when_actor") or {}
    return Signal(
        id=sid, family=entry["family"], direction=entry["direction"],
        severity=str(entry["severity"]), weight=severities[str(entry["severity"])],
        ilo_reference=tuple(entry["ilo_reference"]), explanation=entry["explanation"].strip(),
        how_to_fix=entry["how_to_fix"].strip(), patterns=patterns,
        filters=_filters(entry, lexicon), negatable=bool(entry.get("negatable")),
        when_negated=entry.get("when_negated"),
        actor_verbs=frozenset(_words(entry.get("actor_verbs"), lexicon)),
        when_actor=dict(when_actor), amounts=entry.get("amounts"),
        requires_amount=bool(entry.get("requires_amount")),
        drop_if_money_in_sentence=bool(entry.get("drop_if_money_in_sentence")),
        overridden_by=tuple(entry.get("overridden_by") or ()), detector=entry.get("detector"),
        params=dict(entry.get("params") or {}),
    )


def _check_fields(sid: str, entry: dict, severities: Mapping[str, int]) -> list[str]:
    problems = []
    if entry.get("family") not in FAMILIES:
        problems.append(f"signal {sid}: family must be one of {', '.join(FAMILIES)}")
    if entry.get("direction") not in DIRECTIONS:
        problems.append(f"signal {sid}: direction must be 'risk' or 'good_practice'")
    if str(entry.get("severity")) not in severities:
        problems.append(f"signal {sid}: severity must be one of {', '.join(severities)}")
    refs = entry.get("ilo_reference")
    if not isinstance(refs, list) or not refs:
        problems.append(f"signal {sid}: ilo_reference must be a non-empty list")
    else:
        problems += [f"signal {sid}: ilo_reference {ref!r} cites no known standard"
                     for ref in refs if not str(ref).startswith(KNOWN_SOURCES)]
    for key in ("explanation", "how_to_fix"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            problems.append(f"signal {sid}: {key} is required")
    if entry.get("detector") is not None and entry["detector"] not in DETECTORS:
        problems.append(f"signal {sid}: unknown detector {entry['detector']!r}")
    if not entry.get("patterns") and not entry.get("detector"):
        problems.append(f"signal {sid}: needs patterns or a detector")
    return problems


def _build_patterns(sid: str, entry: dict, lexicon: Mapping[str, tuple[str, ...]],
                    problems: list[str]) -> tuple[PatternSpec, ...]:
    specs = []
    items = [dict(p) for p in entry.get("patterns") or [] if isinstance(p, dict)]
    items += [{"dependency": dep} for dep in entry.get("dependency") or []]
    for number, item in enumerate(items):
        kinds = [k for k in _PATTERN_KINDS if k in item]
        body = item.get(kinds[0]) if len(kinds) == 1 else None
        if body is None or not isinstance(body, (list, str)):
            problems.append(f"signal {sid}: pattern {number} needs exactly one of "
                            f"{', '.join(_PATTERN_KINDS)}")
            continue
        if _has_yes_no(body):
            problems.append(f"signal {sid}: pattern {number} has a yes/no value where a word "
                            f"was meant; quote words such as \"off\", \"on\" and \"no\"")
            continue
        when_actor = item.get("when_actor")
        verbs = item.get("actor_verbs")
        specs.append(PatternSpec(
            kind=kinds[0], pattern=_expand(body, lexicon), filters=_filters(item, lexicon),
            when_actor=dict(when_actor) if when_actor is not None else None,
            actor_verbs=frozenset(_words(verbs, lexicon)) if verbs is not None else None,
            fallback=bool(item.get("fallback"))))
    return tuple(specs)


def _has_yes_no(value: Any, key: str = "") -> bool:
    """YAML reads unquoted off/on/no as booleans; only flag keys (IS_*, LIKE_*) may hold them."""
    if isinstance(value, bool):
        return not key.startswith(("IS_", "LIKE_", "OP"))
    if isinstance(value, dict):
        return any(_has_yes_no(v, key if k in ("IN", "NOT_IN") else k)
                   for k, v in value.items())
    if isinstance(value, list):
        return any(_has_yes_no(v, key) for v in value)
    return False


def _check_references(signals: Mapping[str, Signal], problems: list[str]) -> None:
    for signal in signals.values():
        targets = [signal.when_negated, *signal.when_actor.values(), *signal.overridden_by]
        for spec in signal.patterns:
            targets += list((spec.when_actor or {}).values())
        problems += [f"signal {signal.id}: refers to unknown signal {target!r}"
                     for target in targets if target is not None and target not in signals]


def _filters(item: Mapping[str, Any], lexicon: Mapping[str, tuple[str, ...]]) -> Filters:
    return Filters(**{key: frozenset(_words(item.get(key), lexicon)) for key in _FILTER_KEYS})


def _words(value: Any, lexicon: Mapping[str, tuple[str, ...]], lower: bool = True) -> list[str]:
    """A word list from YAML: a list, or "@name" for a lexicon list; lists may embed "@name"."""
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value)
    words: list[str] = []
    for item in items:
        text = str(item)
        if text.startswith("@") and text[1:] in lexicon:
            words.extend(lexicon[text[1:]])
        elif lower and text not in ("EMAIL", "URL"):
            words.append(text.lower())
        else:
            words.append(text)
    return words


def _expand(value: Any, lexicon: Mapping[str, tuple[str, ...]]) -> Any:
    """Replace "@name" references inside patterns by the lexicon's word lists."""
    if isinstance(value, dict):
        return {k: (_words(v, lexicon, lower=False) if k in ("IN", "NOT_IN")
                    else _expand(v, lexicon)) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, lexicon) for v in value]
    return value
