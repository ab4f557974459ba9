"""The vetting rules' token-pattern matcher against spaCy's own Matcher.

TokenPattern replaces spaCy's Matcher for the catalogue's token patterns (for speed), so
it must find the same spans: every catalogue pattern over every development snippet, and
hand-made patterns for each operator, are compared with Matcher(greedy="LONGEST").
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from spacy.matcher import Matcher

from vetting.catalogue import CatalogueError, load_catalogue
from vetting.evaluation import load_dev_set
from vetting.nlp import get_nlp
from vetting.parsed import ParsedAd
from vetting.rules import RuleSet
from vetting.tokenpattern import REACH, TokenPattern

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def nlp():
    return get_nlp()


def spacy_spans(nlp, pattern: list[dict], doc) -> list[tuple[int, int]]:
    matcher = Matcher(nlp.vocab, validate=True)
    matcher.add("P", [pattern], greedy="LONGEST")
    return sorted((start, end) for _, start, end in matcher(doc))


def our_spans(pattern: list[dict], doc) -> list[tuple[int, int]]:
    return sorted(TokenPattern(pattern).matches(ParsedAd(doc)))


def test_every_catalogue_pattern_finds_what_spacy_finds_in_every_snippet(nlp):
    catalogue = load_catalogue()
    rules = RuleSet(nlp, catalogue)  # lemma clean-up as the scorer does it
    patterns = [spec.pattern for signal in catalogue.signals.values()
                for spec in signal.patterns if spec.kind == "tokens"]
    texts = [case.text for case in load_dev_set(DATA / "vetting_dev.yaml")]
    compared = found = 0
    for doc in nlp.pipe(texts):
        ParsedAd(doc, rules.known_lemmas)  # cleans the lemmas both matchers then read
        for pattern in patterns:
            expected = spacy_spans(nlp, pattern, doc)
            assert our_spans(pattern, doc) == expected, (doc.text, pattern)
            compared += 1
            found += len(expected)
    assert compared > 100_000 and found > 500  # the comparison is not vacuous


@pytest.mark.parametrize("pattern, text", [
    # optional tokens before and after the anchor
    ([{"LOWER": "no", "OP": "?"}, {"LEMMA": "fee"}, {"LOWER": "charged", "OP": "?"}],
     "No fee charged. A fee. fees charged no fee"),
    # "*" and "+" on either side, and a repeated anchor
    ([{"LOWER": "very", "OP": "*"}, {"LOWER": "good"}, {"IS_PUNCT": True, "OP": "+"}],
     "very very good!! good. good very good , ok"),
    ([{"LOWER": "pay"}, {"OP": "?"}, {"OP": "?"}, {"LIKE_NUM": True}],
     "pay 500 now, pay them back 300, pay us all of 20"),
    ([{"LEMMA": {"IN": ["hour", "day"]}, "OP": "+"}, {"LOWER": "off"}],
     "hours hours off and day off"),
    # NOT_IN, POS, REGEX and LENGTH tests
    ([{"LOWER": "licence"}, {"LOWER": {"NOT_IN": ["is", "was"]}, "OP": "?"},
      {"TEXT": {"REGEX": r"\d"}, "LENGTH": {"<=": 6}}],
     "Licence no 12345 and licence is 9 and licence 1234567"),
    ([{"POS": "DET", "OP": "?"}, {"LEMMA": "passport", "POS": "NOUN"}],
     "The passport stays with you; passports are yours."),
])
def test_each_operator_means_what_it_means_to_spacy(nlp, pattern, text):
    doc = nlp(text)
    expected = spacy_spans(nlp, pattern, doc)
    assert expected  # each case has something to find
    assert our_spans(pattern, doc) == expected


def test_a_repeated_token_takes_at_most_reach_tokens(nlp):
    pattern = [{"LOWER": "a"}, {"LOWER": "b", "OP": "+"}]
    doc = nlp("a " + "b " * (REACH + 3))
    assert our_spans(pattern, doc) == [(0, 1 + REACH)]
    assert spacy_spans(nlp, pattern, doc) == [(0, 1 + REACH + 3)]  # spaCy has no cap


def test_a_pattern_the_matcher_cannot_run_is_refused_when_the_catalogue_loads(nlp):
    catalogue = load_catalogue()
    signal = next(iter(catalogue.signals.values()))
    broken = dataclasses.replace(signal.patterns[0], kind="tokens",
                                 pattern=[{"LOWER": "fee"}, {"SHAPE": "dddd"}])
    signals = {**catalogue.signals, signal.id: dataclasses.replace(signal, patterns=(broken,))}
    with pytest.raises(CatalogueError) as error:
        RuleSet(nlp, dataclasses.replace(catalogue, signals=signals))
    assert f"signal {signal.id}: pattern 0: attribute SHAPE" in str(error.value)
