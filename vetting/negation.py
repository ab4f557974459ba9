"""Negation scope and actors: whether "no placement fee" denies a fee, and who pays or keeps what.

Works on the dependency parse, with a short window before and after the match for the
telegraphic style of ads ("Placement fee: NIL", "Zero-fee recruitment"). Tokens are
positions in a ParsedAd (vetting.parsed).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vetting.parsed import ParsedAd

# A verb heading one of these relations starts a new clause: negation does not cross it
# ("We do not charge workers, but the agency takes a service fee").
_CLAUSE_DEPS = frozenset({"conj", "advcl", "relcl", "ccomp", "parataxis", "acl", "csubj"})
_VERBS = frozenset({"VERB", "AUX"})
_SKIP_BEFORE = frozenset({"DET", "ADJ", "NOUN", "PROPN", "CCONJ", "PUNCT", "NUM"})
_SKIP_AFTER = frozenset({":", "-", "–", "—", "=", "(", "is", "are", "will", "be", "was", "'s"})
_HYPHENS = frozenset({"-", "–", "—", "/"})
_CUE_DEPS = frozenset({"det", "advmod", "nummod", "amod", "quantmod", "preconj"})
_LONGEST_POST_CUE = 3
# Entity types a paying name may have ("": not labelled; the pipeline has no entity
# recogniser, and only sums of money are marked, as MONEY).
_ORGANISATIONS = frozenset({"ORG", "FAC", ""})
_LIST_DEPS = frozenset({"conj", "appos", "npadvmod", "nmod"})
_NOMINAL = frozenset({"NOUN", "PROPN", "ADJ", "NUM"})
_SUBJECTS = frozenset({"nsubj", "nsubjpass", "expl", "csubj"})
_CONTRAST = frozenset({"but", "yet", "although", "though", "while", "whereas", "however",
                       "instead"})


@dataclass(frozen=True)
class NegationCues:
    """The cue words from the catalogue's `negation` section."""

    pre: frozenset[str]
    dep: frozenset[str]
    subjects: frozenset[str]
    post: tuple[tuple[str, ...], ...]
    cancelling: frozenset[str]
    presupposing: frozenset[str] = frozenset()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> NegationCues:
        def words(key: str) -> frozenset[str]:
            return frozenset(str(w).lower() for w in config.get(key, ()))

        post = tuple(tuple(str(w).lower() for w in cue) for cue in config.get("post_cues", ()))
        return cls(words("pre_cues"), words("dep_cues"), words("negative_subjects"), post,
                   words("cancelling_predicates"), words("presupposing_verbs"))


def negation_cue(ad: ParsedAd, start: int, end: int, cues: NegationCues) -> int | None:
    """Position of the token that negates tokens start:end, if any (cues inside do not count)."""
    first, last = ad.sentence(start)
    found = _cue_before(ad, start, first, cues)
    if found is None:
        found = _cue_after(ad, end, last, cues)
    if found is None:
        found = _cue_in_parse(ad, start, end, cues)
    return found


def _cue_before(ad: ParsedAd, start: int, first: int, cues: NegationCues) -> int | None:
    i, steps = start - 1, 0
    while i >= first and steps < 3:
        word = ad.lower[i]
        if word in cues.pre:
            # "interest-free loan", "tax-free": a compound adjective, not a negation
            # ("- Zero placement fee": a list bullet is not such a hyphen)
            joined = i > first and ad.lower[i - 1] in _HYPHENS \
                and not ad.doc[i - 1].whitespace_ and ad.pos[i - 2] != "SPACE"
            return None if joined else i
        if ad.pos[i] == "PUNCT" and word not in _HYPHENS:
            return None
        if ad.pos[i] not in _SKIP_BEFORE:
            return None
        i, steps = i - 1, steps + 1
    return None


def _cue_after(ad: ParsedAd, end: int, last: int, cues: NegationCues) -> int | None:
    i, skipped = end, 0
    while i < last and skipped < 3 and ad.lower[i] in _SKIP_AFTER:
        i, skipped = i + 1, skipped + 1
    if i >= last:
        return None
    following = tuple(ad.lower[i:min(i + _LONGEST_POST_CUE, last)])
    for cue in cues.post:
        if following[:len(cue)] == cue:
            return i
    return None


def _cue_in_parse(ad: ParsedAd, start: int, end: int, cues: NegationCues) -> int | None:
    """A negation on the match's root or on the words governing it, within its clause."""
    token = _root(ad, start, end)
    for _ in range(6):
        for child in ad.children[token]:
            if not start <= child < end and _negates(ad, token, child, cues):
                # "Fees will not be refunded": the fee is paid; only its return is denied.
                return None if ad.lemma[token] in cues.presupposing else child
        head = ad.head[token]
        if head != token and _shares_clause(ad, token):
            # "never asks for or keeps passports": the conjoined verb shares the first
            # verb's subject, and so its negation; "..., but the agency takes" does not.
            token = head
            continue
        if head == token or (ad.pos[token] in _VERBS and ad.dep[token] in _CLAUSE_DEPS):
            return None
        token = head
        if ad.lower[token] == "without" and not start <= token < end:
            return token
    return None


def _shares_clause(ad: ParsedAd, verb: int) -> bool:
    """A verb conjoined to the one before it, with no subject of its own and not
    contrasted with it ("does not charge or deduct", not "does not charge, but takes")."""
    if ad.dep[verb] != "conj" or ad.pos[verb] not in _VERBS or ad.pos[ad.head[verb]] not in _VERBS:
        return False
    if any(ad.dep[c] in _SUBJECTS or ad.lower[c] in _CONTRAST for c in ad.children[verb]):
        return False
    # The coordinator hangs from the first verb in spaCy's parse ("asks for or keeps").
    between = range(ad.head[verb] + 1, verb)
    return not any(ad.lower[i] in _CONTRAST or ad.lower[i] == ";" for i in between)


def _negates(ad: ParsedAd, head: int, child: int, cues: NegationCues) -> bool:
    dep = ad.dep[child]
    if dep in ("nsubj", "nsubjpass"):
        return ad.lower[child] in cues.subjects or any(
            ad.dep[c] == "det" and ad.lower[c] == "no" for c in ad.children[child])
    if dep != "neg" and not (ad.lower[child] in cues.dep and dep in _CUE_DEPS):
        return False
    # "The fee is not refundable": the negation belongs to the predicate, not to the fee.
    predicate = [c for c in ad.children[head] if ad.dep[c] in ("acomp", "attr")
                 and ad.pos[c] == "ADJ"]
    return not predicate or ad.lower[predicate[0]] in cues.cancelling


def _root(ad: ParsedAd, start: int, end: int) -> int:
    """The token of start:end whose head lies outside it (spaCy's Span.root)."""
    for i in range(start, end):
        head = ad.head[i]
        if head == i or not start <= head < end:
            return i
    return start


def actor(ad: ParsedAd, start: int, end: int, verbs: frozenset[str],
          employer: frozenset[str], worker: frozenset[str]) -> str | None:
    """"employer" or "worker" when one of `verbs` governing the match has such a doer."""
    verb = _governing_verb(ad, start, end, verbs)
    if verb is None:
        return None
    for candidate in _doers(ad, verb):
        lemma, lower = ad.lemma[candidate], ad.lower[candidate]
        if lemma in worker or lower in worker:
            return "worker"
        if lemma in employer or lower in employer:
            return "employer"
        # "Pearl Bay pays the agency fee": an organisation named as the payer.
        if ad.pos[candidate] == "PROPN" and ad.doc[candidate].ent_type_ in _ORGANISATIONS:
            return "employer"
    return None


def _governing_verb(ad: ParsedAd, start: int, end: int, verbs: frozenset[str]) -> int | None:
    for i in range(start, end):
        if ad.lemma[i] in verbs and ad.pos[i] in ("VERB", "AUX", "NOUN"):
            return i
    token, steps = _root(ad, start, end), 0
    while steps < 4:
        head = ad.head[token]
        if head == token:
            return None
        # Items of a list ("pays all costs: levy, visa, air ticket and service charge")
        # share the verb of the list: walking along it is not a step away.
        if not (ad.dep[token] in _LIST_DEPS and ad.pos[token] in _NOMINAL):
            steps += 1
        token = head
        if ad.lemma[token] in verbs and ad.pos[token] in _VERBS:
            return token
        if ad.pos[token] in _VERBS and ad.dep[token] in _CLAUSE_DEPS:
            return None
    return None


def _doers(ad: ParsedAd, verb: int) -> list[int]:
    """The agent of a passive ("paid by the employer"), else the subject, else the head's."""
    found = [g for c in ad.children[verb] if ad.dep[c] == "agent"
             for g in ad.children[c] if ad.dep[g] == "pobj"]
    found += [c for c in ad.children[verb] if ad.dep[c] == "nsubj"]
    head = ad.head[verb]
    if not found and ad.dep[verb] in ("xcomp", "conj", "advcl") and head != verb:
        found += [c for c in ad.children[head] if ad.dep[c] in ("nsubj", "nsubjpass")]
    return found
