"""Runs the catalogue's patterns over a parsed ad; resolves each match: context, negation, actor."""
from __future__ import annotations

from dataclasses import dataclass, field

from spacy.language import Language
from spacy.matcher import DependencyMatcher, Matcher, PhraseMatcher
from spacy.tokens import Doc, Span

from vetting.amounts import Amount
from vetting.catalogue import Catalogue, CatalogueError, Filters, PatternSpec, Signal
from vetting.negation import NegationCues, actor, negation_cue
from vetting.parsed import ParsedAd


@dataclass
class Hit:
    """A resolved match: the signal it stands for after negation, over tokens start:end."""

    signal: Signal
    start: int
    end: int
    origin: str
    reason: str = ""
    fallback: bool = False
    amounts: list[tuple[Amount, Span]] = field(default_factory=list)


class RuleSet:
    """Matchers built once from the catalogue; `hits(doc)` is called per parsed ad.

    Each pattern is compiled on its own and tried only where it can match: when every
    word it requires occurs in the ad, and only on a window around its anchor word. Most
    ads touch few patterns, and the matching cost stays small beside the parse.
    """

    def __init__(self, nlp: Language, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.cues = NegationCues.from_config(catalogue.negation)
        self._employer = catalogue.words("employer_words")
        self._worker = catalogue.words("worker_words")
        self._patterns: list[_PatternMatcher] = []
        self._by_anchor: dict[str, list[int]] = {}
        self._needs: list[frozenset[int]] = []  # per pattern: ids of the word sets it needs
        self._need_ids: dict[frozenset[str], int] = {}
        self._needs_by_word: dict[str, list[int]] = {}
        self.known_lemmas: set[str] = set()
        problems: list[str] = []
        for signal in catalogue.signals.values():
            for number, spec in enumerate(signal.patterns):
                try:
                    compiled = _PatternMatcher(nlp, signal, spec, number)
                except ValueError as exc:  # spaCy rejects a malformed pattern
                    problems.append(f"signal {signal.id}: pattern {number}: {exc}")
                    continue
                for word in compiled.anchors or {""}:
                    self._by_anchor.setdefault(word, []).append(len(self._patterns))
                self._patterns.append(compiled)
                self._needs.append(frozenset(self._need_id(n) for n in compiled.required))
                self.known_lemmas.update(_lemmas(spec.pattern))
        if problems:
            raise CatalogueError(problems)
        self._pattern_words = frozenset(self._by_anchor) | frozenset(self._needs_by_word)
        # One Matcher per signal for its token patterns (see _group_matches).
        self._groups: dict[str, Matcher] = {}
        self._group_of: dict[int, str] = {}
        self._key_number: dict[int, int] = {}
        for number, compiled in enumerate(self._patterns):
            if compiled.spec.kind != "tokens":
                continue
            group = compiled.signal.id
            matcher = self._groups.setdefault(group, Matcher(nlp.vocab))
            matcher.add(compiled.key, [compiled.spec.pattern], greedy="LONGEST")
            self._group_of[number] = group
            self._key_number[nlp.vocab.strings[compiled.key]] = number

    def _need_id(self, words: frozenset[str]) -> int:
        if words not in self._need_ids:
            self._need_ids[words] = len(self._need_ids)
            for word in words:
                self._needs_by_word.setdefault(word, []).append(self._need_ids[words])
        return self._need_ids[words]

    def hits(self, doc: Doc, parsed: ParsedAd | None = None) -> list[Hit]:
        """Every match that passes its filters, resolved for negation and actor."""
        parsed = parsed or ParsedAd(doc, self.known_lemmas)
        candidates = set(self._by_anchor.get("", ()))
        met: set[int] = set()
        # Most words of an ad occur in no pattern: intersect first, then look up the few.
        for word in parsed.words & self._pattern_words:
            candidates.update(self._by_anchor.get(word, ()))
            met.update(self._needs_by_word.get(word, ()))
        ready = [n for n in sorted(candidates) if self._needs[n] <= met]
        spans = self._group_matches(doc, parsed, [n for n in ready if n in self._group_of])
        found = []
        for number in ready:
            compiled = self._patterns[number]
            matched = spans.get(number, ()) if number in self._group_of \
                else compiled.matches(doc, parsed)
            for start, end in matched:
                hit = self._hit(compiled, start, end, parsed)
                if hit is not None:
                    found.append(hit)
        return found

    def _group_matches(self, doc: Doc, parsed: ParsedAd,
                       numbers: list[int]) -> dict[int, list[tuple[int, int]]]:
        """Token patterns of one signal run together, once per window of the ad: each call
        of a Matcher walks the tokens of its window, so fewer calls cost less."""
        windows: dict[str, list[tuple[int, int]]] = {}
        for number in numbers:
            windows.setdefault(self._group_of[number], []).extend(
                self._patterns[number].windows(parsed))
        found: dict[int, dict[tuple[int, int], None]] = {}
        for group, pieces in windows.items():
            matcher = self._groups[group]
            for start, end in _merge(pieces):
                for key, s, e in matcher(doc[start:end], allow_missing=True):
                    found.setdefault(self._key_number[key], {})[(s + start, e + start)] = None
        return {number: sorted(pairs) for number, pairs in found.items()}

    def _hit(self, compiled: _PatternMatcher, start: int, end: int, ad: ParsedAd) -> Hit | None:
        signal, spec = compiled.signal, compiled.spec
        if not (_passes(signal.filters, start, end, ad) and _passes(spec.filters, start, end, ad)):
            return None
        resolved, reason = self._resolve(signal, spec, start, end, ad)
        if resolved is None:
            return None
        return Hit(resolved, start, end, signal.id, reason, spec.fallback)

    def _resolve(self, signal: Signal, spec: PatternSpec, start: int, end: int,
                 ad: ParsedAd) -> tuple[Signal | None, str]:
        """Negation turns a signal into its `when_negated`; the doer into its `when_actor`.

        Also returns why, in words, when the signal changed.
        """
        cue = negation_cue(ad, start, end, self.cues) if signal.negatable else None
        when_actor = spec.when_actor if spec.when_actor is not None else signal.when_actor
        verbs = spec.actor_verbs if spec.actor_verbs is not None else signal.actor_verbs
        who = actor(ad, start, end, verbs, self._employer, self._worker) \
            if when_actor and verbs else None
        if who in when_actor:
            if cue is not None:  # "the employer does not pay the visa fee": still a risk
                return signal, ""
            return self._signal(when_actor[who]), f"done by the {who}"
        if cue is not None:
            return self._signal(signal.when_negated), f"negated by {ad.doc[cue].text!r}"
        return signal, ""

    def _signal(self, signal_id: str | None) -> Signal | None:
        return self.catalogue.signals[signal_id] if signal_id else None


class _PatternMatcher:
    """One catalogue pattern compiled for spaCy, with what an ad must contain to match it.

    `required`: word sets that must each occur in the ad (the pattern's required tokens and
    its `if_sentence_has` words); `anchors`: the most selective of them, around which the
    matcher runs; `before`/`after`: how many tokens a match reaches around the anchor.
    """

    def __init__(self, nlp: Language, signal: Signal, spec: PatternSpec, number: int) -> None:
        self.signal, self.spec = signal, spec
        self.key = key = f"{signal.id}#{number}"
        context = tuple(f for f in (signal.filters.if_sentence_has, spec.filters.if_sentence_has)
                        if f)
        if spec.kind == "tokens":
            self.matcher: Matcher | PhraseMatcher | DependencyMatcher = Matcher(nlp.vocab,
                                                                                validate=True)
            self.matcher.add(key, [spec.pattern], greedy="LONGEST")
            anchors, self.before, self.after = _anchor(spec.pattern)
            required = [frozenset(w) for t in spec.pattern if t.get("OP") not in ("?", "*", "!")
                        for w in [_token_words(t)] if w]
        elif spec.kind == "phrase":
            phrases = [spec.pattern] if isinstance(spec.pattern, str) else spec.pattern
            docs = [nlp.make_doc(p) for p in phrases]
            self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
            self.matcher.add(key, docs)
            anchors, self.before = {d[0].lower_ for d in docs}, 0
            self.after, required = max(len(d) for d in docs), [frozenset(anchors)]
        else:  # parse relations: matched over the whole ad when it holds the anchor
            self.matcher = DependencyMatcher(nlp.vocab, validate=True)
            self.matcher.add(key, [spec.pattern])
            anchors = _token_words(spec.pattern[0].get("RIGHT_ATTRS", {}))
            self.before = self.after = 0
            required = [frozenset(anchors)] if anchors else []
        self.anchors = frozenset(anchors)
        self.required = tuple(required) + context
        # Words each match holds besides its anchor: a window without them cannot match.
        self.inner = tuple(r for r in required if r != self.anchors) \
            if spec.kind == "tokens" else ()

    def matches(self, doc: Doc, parsed: ParsedAd) -> list[tuple[int, int]]:
        """Token spans matched in the ad (the caller has checked the required words)."""
        found: dict[tuple[int, int], None] = {}
        if self.spec.kind == "dependency":
            # Over the whole Doc: given a Span, the DependencyMatcher copies it into a new Doc.
            for _, ids in self.matcher(doc):
                found[(min(ids), max(ids) + 1)] = None
            return list(found)
        for start, end in self.windows(parsed):
            span = doc[start:end]
            if self.spec.kind == "phrase":
                # Unlike Matcher, PhraseMatcher gives offsets in the whole doc for a Span.
                for _, s, e in self.matcher(span):
                    found[(s, e)] = None
            else:
                # The pipeline guarantees tags, lemmas and parse; skipping spaCy's check for
                # them saves a scan of the whole doc on every call.
                for _, s, e in self.matcher(span, allow_missing=True):
                    found[(s + start, e + start)] = None
        return list(found)

    def windows(self, parsed: ParsedAd) -> list[tuple[int, int]]:
        size = len(parsed.lower)
        if not self.anchors:
            return [(0, size)]
        spots = sorted({i for word in self.anchors & parsed.words for i in parsed.positions[word]})
        merged: list[tuple[int, int]] = []
        for spot in spots:
            start, end = max(0, spot - self.before), min(size, spot + self.after + 1)
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        for words in self.inner:
            spots = [i for word in words & parsed.words for i in parsed.positions[word]]
            merged = [(a, b) for a, b in merged if any(a <= i < b for i in spots)]
        return merged


def _merge(windows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(windows):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _passes(filters: Filters, start: int, end: int, ad: ParsedAd) -> bool:
    if filters.if_sentence_has and not filters.if_sentence_has & ad.segment_words(start, end):
        return False
    if filters.unless_sentence_has and filters.unless_sentence_has & ad.segment_words(start, end):
        return False
    if filters.unless_doc_has and filters.unless_doc_has & ad.doc_words():
        return False
    if filters.not_after and start > 0 and _preceded_by(ad, start, filters.not_after):
        return False
    if filters.not_before and end < len(ad) and (
            ad.lower[end] in filters.not_before or ad.lemma[end] in filters.not_before):
        return False
    if filters.unless_paid_thing_in and any(
            ad.lemma[t] in filters.unless_paid_thing_in or ad.lower[t] in filters.unless_paid_thing_in
            for t in ad.theme(start, end)):
        return False
    return True


def _preceded_by(ad: ParsedAd, start: int, words: frozenset[str]) -> bool:
    """Whether the word just before `start` is one of `words`; an entry of several words
    ("share of") is compared with as many words before the match."""
    if ad.lower[start - 1] in words or ad.lemma[start - 1] in words:
        return True
    for entry in words:
        if " " in entry:
            parts = entry.split()
            if start >= len(parts) and ad.lower[start - len(parts):start] == parts:
                return True
    return False


_OPEN_ENDED = 8  # how far "*" and "+" are assumed to reach when sizing windows


# Words too frequent to make good anchors: a rarer required token is chosen when there is one.
_COMMON = frozenset("""a an the of to in on at by for from with as and or no not n't never be is are
was will would can may must should have has do does get give take keep make pay work day all
you we our your their this that it any one two half""".split())


def _anchor(pattern: list) -> tuple[set[str], int, int]:
    """The anchor words of a pattern (its most selective required token that names words)
    and the most tokens a match can have before and after that token."""
    def width(token: dict) -> int:
        return _OPEN_ENDED if token.get("OP") in ("*", "+") else 1

    best: tuple[tuple[int, int], int, set[str]] | None = None
    for k, token in enumerate(pattern):
        if token.get("OP") in ("?", "*", "!"):
            continue
        words = _token_words(token)
        if words:
            cost = (len(words & _COMMON), len(words))
            if best is None or cost < best[0]:
                best = (cost, k, words)
    if best is None:
        return set(), 0, 0
    _, k, words = best
    extra = _OPEN_ENDED if pattern[k].get("OP") == "+" else 0
    return (words, sum(width(t) for t in pattern[:k]) + extra,
            sum(width(t) for t in pattern[k + 1:]) + extra)


def _token_words(token: dict) -> set[str]:
    for attr in ("LEMMA", "LOWER", "ORTH"):
        value = token.get(attr)
        if isinstance(value, str):
            return {value.lower()}
        if isinstance(value, dict) and value.get("IN"):
            return {str(v).lower() for v in value["IN"]}
    return set()


def _lemmas(pattern) -> set[str]:
    """Every LEMMA value used in a pattern, so that lemma clean-up knows the words that matter."""
    found: set[str] = set()
    if isinstance(pattern, dict):
        for key, value in pattern.items():
            if key == "LEMMA":
                found.update([value] if isinstance(value, str) else value.get("IN", []))
            else:
                found |= _lemmas(value)
    elif isinstance(pattern, list):
        for item in pattern:
            found |= _lemmas(item)
    return found
