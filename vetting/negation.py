"""Negation scope and actors: whether "no placement fee" denies a fee, and who pays or keeps what.

Works on the dependency parse, with a short window before and after the match for the
telegraphic style of ads ("Placement fee: NIL", "Zero-fee recruitment").
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from spacy.tokens import Span, Token

# A verb heading one of these relations starts a new clause: negation does not cross it
# ("We do not charge workers, but the agency takes a service fee").
_CLAUSE_DEPS = frozenset({"conj", "advcl", "relcl", "ccomp", "parataxis", "acl", "csubj"})
_SKIP_BEFORE = frozenset({"DET", "ADJ", "NOUN", "PROPN", "CCONJ", "PUNCT", "NUM"})
_SKIP_AFTER = frozenset({":", "-", "–", "—", "=", "(", "is", "are", "will", "be", "was", "'s"})
_HYPHENS = frozenset({"-", "–", "—", "/"})


@dataclass(frozen=True)
class NegationCues:
    """The cue words from the catalogue's `negation` section."""

    pre: frozenset[str]
    dep: frozenset[str]
    subjects: frozenset[str]
    post: tuple[tuple[str, ...], ...]
    cancelling: frozenset[str]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> NegationCues:
        def words(key: str) -> frozenset[str]:
            return frozenset(str(w).lower() for w in config.get(key, ()))

        post = tuple(tuple(str(w).lower() for w in cue) for cue in config.get("post_cues", ()))
        return cls(words("pre_cues"), words("dep_cues"), words("negative_subjects"), post,
                   words("cancelling_predicates"))


def negation_cue(span: Span, cues: NegationCues) -> Token | None:
    """The token that negates `span`, if any (cues inside the span itself do not count)."""
    return _cue_before(span, cues) or _cue_after(span, cues) or _cue_in_parse(span, cues)


def _cue_before(span: Span, cues: NegationCues) -> Token | None:
    doc, start = span.doc, span.sent.start
    i, steps = span.start - 1, 0
    while i >= start and steps < 3:
        token = doc[i]
        if token.lower_ in cues.pre:
            # "interest-free loan", "tax-free": a compound adjective, not a negation
            return None if i > start and doc[i - 1].text in _HYPHENS else token
        if token.is_punct and token.text not in _HYPHENS:
            return None
        if token.pos_ not in _SKIP_BEFORE:
            return None
        i, steps = i - 1, steps + 1
    return None


def _cue_after(span: Span, cues: NegationCues) -> Token | None:
    doc, end = span.doc, span.sent.end
    i, skipped = span.end, 0
    while i < end and skipped < 3 and doc[i].lower_ in _SKIP_AFTER:
        i, skipped = i + 1, skipped + 1
    for cue in cues.post:
        words = [t.lower_ for t in doc[i:min(i + len(cue), end)]]
        if words == list(cue):
            return doc[i]
    return None


def _cue_in_parse(span: Span, cues: NegationCues) -> Token | None:
    inside = set(range(span.start, span.end))
    token = span.root
    for _ in range(6):
        for child in token.children:
            if child.i in inside:
                continue
            if _negates(token, child, cues):
                return child
        if token.head is token or (token.pos_ in ("VERB", "AUX") and token.dep_ in _CLAUSE_DEPS):
            return None
        token = token.head
        if token.lower_ == "without" and token.i not in inside:
            return token
    return None


def _negates(head: Token, child: Token, cues: NegationCues) -> bool:
    if child.dep_ in ("nsubj", "nsubjpass"):
        return child.lower_ in cues.subjects or any(
            t.dep_ == "det" and t.lower_ == "no" for t in child.children)
    if child.dep_ != "neg" and not (child.lower_ in cues.dep and child.dep_ in (
            "det", "advmod", "nummod", "amod", "quantmod", "preconj")):
        return False
    # "The fee is not refundable": the negation belongs to the predicate, not to the fee.
    predicate = [c for c in head.children if c.dep_ in ("acomp", "attr") and c.pos_ == "ADJ"]
    return not predicate or predicate[0].lower_ in cues.cancelling


def actor(span: Span, verbs: frozenset[str], employer: frozenset[str],
          worker: frozenset[str]) -> str | None:
    """"employer" or "worker" when one of `verbs` governing the span has such a doer."""
    verb = _governing_verb(span, verbs)
    if verb is None:
        return None
    for candidate in _doers(verb):
        kind = _classify(candidate, employer, worker)
        if kind:
            return kind
    return None


def _governing_verb(span: Span, verbs: frozenset[str]) -> Token | None:
    for token in span:
        if token.lemma_ in verbs and token.pos_ in ("VERB", "AUX", "NOUN"):
            return token
    token = span.root
    for _ in range(4):
        if token.head is token:
            return None
        token = token.head
        if token.lemma_ in verbs and token.pos_ in ("VERB", "AUX"):
            return token
        if token.pos_ in ("VERB", "AUX") and token.dep_ in _CLAUSE_DEPS:
            return None
    return None


def _doers(verb: Token) -> list[Token]:
    """The agent of a passive ("paid by the employer"), else the subject, else the head's."""
    found = [g for c in verb.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]
    found += [c for c in verb.children if c.dep_ == "nsubj"]
    if not found and verb.dep_ in ("xcomp", "conj", "advcl") and verb.head is not verb:
        found += [c for c in verb.head.children if c.dep_ in ("nsubj", "nsubjpass")]
    return found


def _classify(token: Token, employer: frozenset[str], worker: frozenset[str]) -> str | None:
    lemma = token.lemma_.lower()
    if lemma in worker or token.lower_ in worker:
        return "worker"
    if lemma in employer or token.lower_ in employer:
        return "employer"
    return None
