"""Runs the catalogue's patterns over a parsed ad and resolves each match: context, negation, who acts."""
from __future__ import annotations

from dataclasses import dataclass, field

from spacy.language import Language
from spacy.matcher import DependencyMatcher, Matcher, PhraseMatcher
from spacy.tokens import Doc, Span

from vetting.amounts import Amount
from vetting.catalogue import Catalogue, CatalogueError, Filters, PatternSpec, Signal
from vetting.negation import NegationCues, actor, negation_cue


@dataclass
class Hit:
    """A resolved match: the signal it stands for after negation, over tokens start:end."""

    signal: Signal
    start: int
    end: int
    origin: str
    cue: str | None = None
    fallback: bool = False
    amounts: list[tuple[Amount, Span]] = field(default_factory=list)


class RuleSet:
    """Matchers built once from the catalogue; `hits(doc)` is called per parsed ad."""

    def __init__(self, nlp: Language, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.cues = NegationCues.from_config(catalogue.negation)
        self._employer = catalogue.words("employer_words")
        self._worker = catalogue.words("worker_words")
        self._specs: dict[str, tuple[Signal, PatternSpec]] = {}
        self._matcher = Matcher(nlp.vocab, validate=True)
        self._phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._dependency = DependencyMatcher(nlp.vocab, validate=True)
        self.known_lemmas: set[str] = set()
        problems: list[str] = []
        for signal in catalogue.signals.values():
            for number, spec in enumerate(signal.patterns):
                key = f"{signal.id}#{number}"
                self._specs[key] = (signal, spec)
                try:
                    self._add(nlp, key, spec)
                except ValueError as exc:  # spaCy rejects a malformed pattern
                    problems.append(f"signal {signal.id}: pattern {number}: {exc}")
        if problems:
            raise CatalogueError(problems)

    def _add(self, nlp: Language, key: str, spec: PatternSpec) -> None:
        if spec.kind == "tokens":
            self._matcher.add(key, [spec.pattern], greedy="LONGEST")
            self.known_lemmas.update(_lemmas(spec.pattern))
        elif spec.kind == "phrase":
            phrases = [spec.pattern] if isinstance(spec.pattern, str) else spec.pattern
            self._phrases.add(key, [nlp.make_doc(p) for p in phrases])
        else:
            self._dependency.add(key, [spec.pattern])
            self.known_lemmas.update(_lemmas(spec.pattern))

    def hits(self, doc: Doc) -> list[Hit]:
        """Every match that passes its filters, resolved for negation and actor."""
        context = _Context(doc)
        found = []
        for key, start, end in self._raw(doc):
            signal, spec = self._specs[key]
            span = doc[start:end]
            if not (_passes(signal.filters, span, context) and _passes(spec.filters, span, context)):
                continue
            resolved, cue = self._resolve(signal, spec, span)
            if resolved is not None:
                found.append(Hit(resolved, start, end, signal.id, cue, spec.fallback))
        return found

    def _raw(self, doc: Doc) -> list[tuple[str, int, int]]:
        strings = doc.vocab.strings
        raw = [(strings[m], s, e) for m, s, e in self._matcher(doc)]
        raw += [(strings[m], s, e) for m, s, e in self._phrases(doc)]
        raw += [(strings[m], min(ids), max(ids) + 1) for m, ids in self._dependency(doc)]
        return raw

    def _resolve(self, signal: Signal, spec: PatternSpec, span: Span) -> tuple[Signal | None, str | None]:
        """Negation turns a signal into its `when_negated`; the doer into its `when_actor`."""
        cue = negation_cue(span, self.cues) if signal.negatable else None
        when_actor = spec.when_actor if spec.when_actor is not None else signal.when_actor
        verbs = spec.actor_verbs if spec.actor_verbs is not None else signal.actor_verbs
        who = actor(span, verbs, self._employer, self._worker) if when_actor and verbs else None
        if who in when_actor:
            if cue is not None:  # "the employer does not pay the visa fee": still a risk
                return signal, None
            return self._signal(when_actor[who]), None
        if cue is not None:
            return self._signal(signal.when_negated), cue.text
        return signal, None

    def _signal(self, signal_id: str | None) -> Signal | None:
        return self.catalogue.signals[signal_id] if signal_id else None


class _Context:
    """Per-document caches of the words around a match (sentence split at ";")."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        self._words: dict[tuple[int, int], frozenset[str]] = {}
        self._doc_words: frozenset[str] | None = None

    def segment(self, span: Span) -> tuple[int, int]:
        doc, sent = self.doc, span.sent
        start = next((i + 1 for i in range(span.start - 1, sent.start - 1, -1)
                      if doc[i].text == ";"), sent.start)
        end = next((i for i in range(span.end, sent.end) if doc[i].text == ";"), sent.end)
        return start, end

    def segment_words(self, span: Span) -> frozenset[str]:
        bounds = self.segment(span)
        if bounds not in self._words:
            self._words[bounds] = _word_set(self.doc[bounds[0]:bounds[1]])
        return self._words[bounds]

    def doc_words(self) -> frozenset[str]:
        if self._doc_words is None:
            words = set(_word_set(self.doc))
            words.update(flag for flag, attr in (("EMAIL", "like_email"), ("URL", "like_url"))
                         if any(getattr(t, attr) for t in self.doc))
            self._doc_words = frozenset(words)
        return self._doc_words


def _passes(filters: Filters, span: Span, context: _Context) -> bool:
    doc = span.doc
    if filters.if_sentence_has and not filters.if_sentence_has & context.segment_words(span):
        return False
    if filters.unless_sentence_has and filters.unless_sentence_has & context.segment_words(span):
        return False
    if filters.unless_doc_has and filters.unless_doc_has & context.doc_words():
        return False
    if filters.not_after and span.start > 0 and _forms(doc[span.start - 1]) & filters.not_after:
        return False
    if filters.not_before and span.end < len(doc) and _forms(doc[span.end]) & filters.not_before:
        return False
    return True


def _forms(token) -> set[str]:
    return {token.lower_, token.lemma_}


def _word_set(tokens) -> frozenset[str]:
    return frozenset(w for t in tokens for w in (t.lower_, t.lemma_))


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


def normalise_lemmas(doc: Doc, known: set[str]) -> None:
    """Lower-case lemmas the lemmatizer left as written (proper nouns, CAPITALS: "FEES").

    A plural that is not itself a catalogue word loses its "s" when the singular is one.
    """
    for token in doc:
        lemma = token.lemma_
        lower = lemma.lower()
        if lower == lemma:
            continue
        if lower not in known and lower.endswith("s") and lower[:-1] in known:
            lower = lower[:-1]
        token.lemma_ = lower
