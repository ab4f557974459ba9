"""Runs the catalogue's patterns over a parsed ad; resolves each match: context, negation, actor."""
from __future__ import annotations

from dataclasses import dataclass, field

from spacy.language import Language
from spacy.matcher import DependencyMatcher, Matcher
from spacy.tokens import Doc, Span

from vetting.amounts import Amount
from vetting.catalogue import Catalogue, CatalogueError, Filters, PatternSpec, Signal
from vetting.negation import NegationCues, actor, negation_cue
from vetting.parsed import ParsedAd
from vetting.tokenpattern import TokenPattern, token_words


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
    word it requires occurs in the ad, and only outwards from its anchor word (see
    `vetting.tokenpattern`). Most ads touch few patterns, and the matching cost stays small
    beside the parse.
    """

    def __init__(self, nlp: Language, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.cues = NegationCues.from_config(catalogue.negation)
        self._employer = catalogue.words("employer_words")
        self._worker = catalogue.words("worker_words")
        self._patterns: list[_PatternMatcher] = []
        self._needs: list[int] = []  # per pattern: the word sets it needs, as bits
        need_bits: dict[frozenset[str], int] = {}
        self.known_lemmas: set[str] = set()
        problems: list[str] = []
        for signal in catalogue.signals.values():
            for number, spec in enumerate(signal.patterns):
                try:
                    compiled = _PatternMatcher(nlp, signal, spec, number)
                except ValueError as exc:  # a malformed or unsupported pattern
                    problems.append(f"signal {signal.id}: pattern {number}: {exc}")
                    continue
                self._patterns.append(compiled)
                bits = 0
                for words in compiled.required:
                    bits |= need_bits.setdefault(words, 1 << len(need_bits))
                self._needs.append(bits)
                self.known_lemmas.update(_lemmas(spec.pattern))
        if problems:
            raise CatalogueError(problems)
        # For each word that matters: the patterns anchored on it, and the needs it meets.
        anchored: dict[str, list[int]] = {}
        for number, compiled in enumerate(self._patterns):
            for word in compiled.anchors or {""}:
                anchored.setdefault(word, []).append(number)
        meets: dict[str, int] = {}
        for words, bit in need_bits.items():
            for word in words:
                meets[word] = meets.get(word, 0) | bit
        self._everywhere = tuple(anchored.pop("", ()))  # patterns without anchor words
        self._words = {word: (tuple(anchored.get(word, ())), meets.get(word, 0))
                       for word in anchored.keys() | meets.keys()}
        self._word_set = frozenset(self._words)

    def hits(self, doc: Doc, parsed: ParsedAd | None = None) -> list[Hit]:
        """Every match that passes its filters, resolved for negation and actor."""
        parsed = parsed or ParsedAd(doc, self.known_lemmas)
        candidates = set(self._everywhere)
        met = 0
        # Most words of an ad occur in no pattern: intersect first, then look up the few.
        for word in parsed.words & self._word_set:
            patterns, needs = self._words[word]
            candidates.update(patterns)
            met |= needs
        needs = self._needs
        ready = [n for n in sorted(candidates) if not needs[n] & ~met]
        found = []
        for number in ready:
            compiled = self._patterns[number]
            for start, end in compiled.matches(doc, parsed):
                hit = self._hit(compiled, start, end, parsed)
                if hit is not None:
                    found.append(hit)
        return found

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
    """One catalogue pattern, compiled, with what an ad must contain to match it.

    `required`: word sets that must each occur in the ad (the pattern's required tokens and
    its `if_sentence_has` words); `anchors`: the words where matching starts (an empty set:
    the pattern is tried on every ad).
    """

    def __init__(self, nlp: Language, signal: Signal, spec: PatternSpec, number: int) -> None:
        self.signal, self.spec = signal, spec
        key = f"{signal.id}#{number}"
        context = tuple(f for f in (signal.filters.if_sentence_has, spec.filters.if_sentence_has)
                        if f)
        self.tokens: list[TokenPattern] = []
        self.dependency: DependencyMatcher | None = None
        if spec.kind == "tokens":
            # spaCy checks the pattern and reports a malformed one in its own words.
            Matcher(nlp.vocab, validate=True).add(key, [spec.pattern])
            self.tokens = [TokenPattern(spec.pattern)]
            anchors, required = self.tokens[0].anchor_words, list(self.tokens[0].required)
        elif spec.kind == "phrase":  # each phrase: its words in lower case, in a row
            phrases = [spec.pattern] if isinstance(spec.pattern, str) else spec.pattern
            self.tokens = [TokenPattern([{"LOWER": t.lower_} for t in nlp.make_doc(p)])
                           for p in phrases]
            anchors = frozenset().union(*(t.anchor_words for t in self.tokens))
            required = [anchors]
        else:  # parse relations: matched over the whole ad when it holds the anchor
            self.dependency = DependencyMatcher(nlp.vocab, validate=True)
            self.dependency.add(key, [spec.pattern])
            anchors = token_words(spec.pattern[0].get("RIGHT_ATTRS", {}))
            required = [frozenset(anchors)] if anchors else []
        self.anchors = frozenset(anchors)
        self.required = tuple(required) + context

    def matches(self, doc: Doc, parsed: ParsedAd) -> list[tuple[int, int]]:
        """Token spans matched in the ad (the caller has checked the required words)."""
        if self.dependency is None:
            found = [span for pattern in self.tokens for span in pattern.matches(parsed)]
            return found if len(self.tokens) == 1 else sorted(set(found))
        # Over the whole Doc: given a Span, the DependencyMatcher copies it into a new Doc.
        return sorted({(min(ids), max(ids) + 1) for _, ids in self.dependency(doc)})


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
    paid = filters.unless_paid_thing_in
    if paid and any(ad.lemma[t] in paid or ad.lower[t] in paid for t in ad.theme(start, end)):
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
