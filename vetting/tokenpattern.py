"""Catalogue token patterns matched over a ParsedAd's plain lists, outwards from an anchor word.

spaCy's Matcher tries every pattern at every token and checks `IN` lists through Python
predicates on Token objects; most of the scorer's time after the parse went there. A
pattern here is tried only where its anchor (its most selective required word) occurs:
the tokens after the anchor are matched forwards and those before it backwards, each side
as the set of positions it can reach.

The meaning is spaCy's Matcher's for the attributes and operators the catalogue uses, with
`greedy="LONGEST"` (per pattern, the longest non-overlapping matches), except that a
repeated token ("*", "+") takes at most `REACH` tokens. The catalogue is still checked
by spaCy's Matcher (`validate=True`) when it loads, so a malformed pattern is reported in
spaCy's words.
"""
from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable

from vetting.parsed import COLUMNS, ParsedAd

Columns = tuple[list, ...]  # ParsedAd.columns: one list per attribute, one item per token
Check = Callable[[Columns, int], bool]  # does token i pass a pattern token's tests?
Steps = tuple[tuple[Check, "str | None"], ...]

# Pattern attribute -> its column in ParsedAd.columns.
ATTRIBUTES = {"LOWER": "lower", "LEMMA": "lemma", "POS": "pos", "ORTH": "orth", "TEXT": "orth",
              "ENT_TYPE": "ent_type", "IS_PUNCT": "is_punct", "LIKE_NUM": "like_num",
              "LENGTH": "orth"}
OPERATORS = (None, "?", "*", "+")
REACH = 8  # the most tokens a repeated step ("*", "+") takes
_COMPARISONS = {"==": operator.eq, "!=": operator.ne, ">=": operator.ge, "<=": operator.le,
                ">": operator.gt, "<": operator.lt}


class UnsupportedPattern(ValueError):
    """A pattern uses an attribute or operator this matcher does not implement."""


class TokenPattern:
    """One token pattern, matched outwards from its anchor.

    `anchor_words`: the words of its most selective required token, where matching starts;
    `required`: the word sets of all its required tokens (an ad lacking one cannot match).
    """

    def __init__(self, pattern: list[dict], reach: int = REACH) -> None:
        steps = [(_check(token), _op(token)) for token in pattern]
        self.required = tuple(frozenset(words) for token in pattern
                              if token.get("OP") not in ("?", "*")
                              for words in [token_words(token)] if words)
        anchor = _anchor(pattern)
        self.anchor_words = frozenset(token_words(pattern[anchor]))
        self.reach = reach
        check, op = steps[anchor]
        self._anchor_check = check
        self._before: Steps = tuple(reversed(steps[:anchor]))
        # A repeated anchor ("+") is matched forwards from the first of its tokens.
        self._after: Steps = tuple(steps[anchor:] if op == "+" else steps[anchor + 1:])
        self._skip = 0 if op == "+" else 1  # where the steps after the anchor start

    def matches(self, ad: ParsedAd) -> list[tuple[int, int]]:
        """The longest non-overlapping spans of the ad that match, as (start, end) tokens."""
        found: set[tuple[int, int]] = set()
        columns, reach = ad.columns, self.reach
        size = len(columns[0])
        check, before, after = self._anchor_check, self._before, self._after
        for spot in ad.where(self.anchor_words):
            if not check(columns, spot):
                continue
            starts = _backward(columns, spot, before, reach) if before else (spot,)
            if not starts:
                continue
            ends = _forward(columns, spot + self._skip, after, size, reach) \
                if after else (spot + 1,)
            for start in starts:
                for end in ends:
                    found.add((start, end))
        return _longest(found) if len(found) > 1 else list(found)


# Words too frequent to make good anchors: a rarer required token is chosen when there is one.
_COMMON = frozenset("""a an the of to in on at by for from with as and or no not n't never be is are
was will would can may must should have has do does get give take keep make pay work day all
you we our your their this that it any one two half""".split())


def _anchor(pattern: list[dict]) -> int:
    """The position of the pattern's most selective required token that names words."""
    best: tuple[tuple[int, int], int] | None = None
    for k, token in enumerate(pattern):
        words = token_words(token)
        if words and token.get("OP") not in ("?", "*"):
            cost = (len(words & _COMMON), len(words))
            if best is None or cost < best[0]:
                best = (cost, k)
    if best is None:
        raise UnsupportedPattern("a token pattern needs a required token that names words "
                                 "(LEMMA, LOWER or ORTH)")
    return best[1]


def token_words(token: dict) -> set[str]:
    """The words (lower case) a pattern token accepts, when it names them; else empty."""
    for attr in ("LEMMA", "LOWER", "ORTH"):
        value = token.get(attr)
        if isinstance(value, str):
            return {value.lower()}
        if isinstance(value, dict) and value.get("IN"):
            return {str(v).lower() for v in value["IN"]}
    return set()


def _forward(columns: Columns, start: int, steps: Steps, size: int, reach: int) -> set[int]:
    """Where a match can end when `steps` are matched from token `start` on."""
    ends = {start}
    for check, op in steps:
        moved = {i + 1 for i in ends if i < size and check(columns, i)}
        if op is None:
            ends = moved
        elif op == "?":
            ends |= moved
        else:  # "*" keeps the ends it has; "+" needs one token more
            ends = _repeat(columns, ends if op == "*" else moved, check,
                           reach if op == "*" else reach - 1, size, 1)
        if not ends:
            break
    return ends


def _backward(columns: Columns, end: int, steps: Steps, reach: int) -> set[int]:
    """Where a match can start when `steps` (in reverse) are matched backwards from `end`."""
    starts = {end}
    for check, op in steps:
        moved = {i - 1 for i in starts if i > 0 and check(columns, i - 1)}
        if op is None:
            starts = moved
        elif op == "?":
            starts |= moved
        else:
            starts = _repeat(columns, starts if op == "*" else moved, check,
                             reach if op == "*" else reach - 1, 0, -1)
        if not starts:
            break
    return starts


def _repeat(columns: Columns, positions: set[int], check: Check, times: int, limit: int,
            direction: int) -> set[int]:
    """`positions` and those reached by consuming up to `times` more matching tokens,
    forwards up to `limit` (direction 1) or backwards down to it (direction -1)."""
    reached, frontier = set(positions), positions
    for _ in range(times):
        if direction > 0:
            frontier = {i + 1 for i in frontier if i < limit and check(columns, i)}
        else:
            frontier = {i - 1 for i in frontier if i > limit and check(columns, i - 1)}
        frontier -= reached
        if not frontier:
            break
        reached |= frontier
    return reached


def _longest(spans: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """spaCy's LONGEST filter: longest first (then earliest), skipping any that overlap."""
    kept: list[tuple[int, int]] = []
    taken: set[int] = set()
    for start, end in sorted(spans, key=lambda s: (s[1] - s[0], -s[0]), reverse=True):
        if not taken.intersection(range(start, end)):
            kept.append((start, end))
            taken.update(range(start, end))
    return sorted(kept)


def _op(token: dict) -> str | None:
    op = token.get("OP")
    if op not in OPERATORS:
        raise UnsupportedPattern(f"operator {op!r} (supported: ?, *, +)")
    return op


def _check(token: dict) -> Check:
    """One function testing every attribute of a pattern token; no attribute: any token."""
    tests = [_attribute_test(attr, value) for attr, value in token.items() if attr != "OP"]
    if not tests:
        return _any_token
    if len(tests) == 1:
        return tests[0]

    def all_of(columns: Columns, i: int) -> bool:
        return all(test(columns, i) for test in tests)

    return all_of


def _any_token(columns: Columns, i: int) -> bool:
    return True


def _attribute_test(attr: str, value: object) -> Check:
    if attr not in ATTRIBUTES:
        raise UnsupportedPattern(f"attribute {attr} (supported: {', '.join(ATTRIBUTES)})")
    k = COLUMNS.index(ATTRIBUTES[attr])
    if attr == "LENGTH":
        return _length_test(k, value)
    if not isinstance(value, dict):
        return lambda columns, i: columns[k][i] == value
    if len(value) != 1:
        raise UnsupportedPattern(f"{attr}: one operator per attribute, got {sorted(value)}")
    (name, operand), = value.items()
    if name == "IN":
        members = frozenset(operand)
        return lambda columns, i: columns[k][i] in members
    if name == "NOT_IN":
        members = frozenset(operand)
        return lambda columns, i: columns[k][i] not in members
    if name == "REGEX":
        search = re.compile(operand).search
        return lambda columns, i: search(columns[k][i]) is not None
    raise UnsupportedPattern(f"{attr}: operator {name} (supported: IN, NOT_IN, REGEX)")


def _length_test(k: int, value: object) -> Check:
    if isinstance(value, int):
        return lambda columns, i: len(columns[k][i]) == value
    if isinstance(value, dict) and len(value) == 1:
        (name, bound), = value.items()
        compare = _COMPARISONS.get(name)
        if compare is not None:
            return lambda columns, i: compare(len(columns[k][i]), bound)
    raise UnsupportedPattern(f"LENGTH: {value!r} (supported: a number or one comparison)")
