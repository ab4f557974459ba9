"""The job-title lexicon: its data files hold what they promise, spellings fold alike, and
a query in a worker's words gains the English titles the job index understands."""
from __future__ import annotations

import collections

import pytest

from app.occupations.services import ESCO_DIR
from matching.folding import fold, is_latin, words
from matching.lexicon import DATA_DIR, LANGUAGES, expand_query, load_lexicon, \
    read_entries, read_isco_labels

# Writing systems of the languages whose own script is not Latin, by Unicode block.
SCRIPTS = {"ne": (0x0900, 0x097F), "hi": (0x0900, 0x097F), "bn": (0x0980, 0x09FF),
           "ar": (0x0600, 0x06FF)}


@pytest.fixture(scope="module")
def lexicon():
    """Loaded once: every test here reads the same shipped files."""
    return load_lexicon(ESCO_DIR / "ISCOGroups_en.csv")


def _in_script(form: str, block: tuple[int, int]) -> bool:
    letters = [c for c in form if c.isalpha()]
    return bool(letters) and all(block[0] <= ord(c) <= block[1] for c in letters)


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_has_150_titles_in_its_script_and_typed(language):
    entries = read_entries(DATA_DIR / f"{language}.csv", language)
    groups = read_isco_labels(ESCO_DIR / "ISCOGroups_en.csv")
    assert len(entries) >= 150
    for entry in entries:
        assert entry.isco in groups, entry  # a real ISCO-08 unit group, 4 digits
        assert entry.english and is_latin(fold(entry.english)), entry
        typed = [f for f in entry.forms if is_latin(fold(f))]
        assert typed, f"no romanised spelling: {entry}"
        if language in SCRIPTS:
            assert any(_in_script(f, SCRIPTS[language]) for f in entry.forms), entry


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_spelling_names_two_trades_in_one_language(lexicon, language):
    trades = collections.defaultdict(set)
    for entry in lexicon.entries:
        if entry.language == language:
            for form in entry.forms:
                trades[tuple(lexicon.affixes.key(w) for w in words(form))].add(entry.isco)
    assert {k: v for k, v in trades.items() if len(v) > 1} == {}


def test_group_names_are_for_real_groups(lexicon):
    assert len({isco for _, isco in lexicon.group_names}) >= 50
    assert {isco for _, isco in lexicon.group_names} <= set(lexicon.isco_labels)
    assert lexicon.group_name("8322", "ne") == "गाडी चालक"
    assert lexicon.group_name("8322", "en") is None


@pytest.mark.parametrize("one, other", [
    ("ड्राईभर", "ड्राइभर"),  # long and short i
    ("गाड़ी", "गाडी"),  # nukta
    ("साँझ", "सांझ"),  # chandrabindu and anusvara
    ("ড্রাইভার\u200c", "ড্রাইভার"),  # a zero-width non-joiner from the keyboard
    ("গাড়ি", "গাডি"),
    ("CHÓFER", "chofer"),
    ("Albañil", "albanil"),
    ("أمن", "امن"),  # hamza on alef
    ("سائق", "سايق"),  # hamza on ya, as Gulf adverts write it
    ("طباخة", "طباخه"),  # ta marbuta
    ("مـدرسـة", "مدرسه"),  # tatweel
])
def test_spellings_that_people_mix_fold_alike(one, other):
    assert fold(one) == fold(other)


def test_indic_words_stay_whole():
    # Vowel signs and viramas are marks: splitting at them would cut every word.
    assert words("सुरक्षा गार्डको काम") == ["सुरक्षा", "गार्डको", "काम"]
    assert words("নিরাপত্তা প্রহরী।") == ["নিরাপত্তা", "প্রহরি"]


@pytest.mark.parametrize("query, english", [
    ("ड्राइभर", "driver"), ("draibhar", "driver"), ("ड्राइभरको काम", "driver"),
    ("हेभी ड्राइभर कतार", "heavy truck driver"),  # the longer phrase wins
    ("ड्राइवर की नौकरी", "driver"), ("ড্রাইভারের চাকরি", "driver"),
    ("tsuper", "driver"), ("Chófer de camión", "truck driver"),
    ("السائق", "driver"), ("سائقين", "driver"),  # article; plural ending
    ("draibar", "driver"), ("plambar", "plumber"),
    ("mekenik", "car mechanic"),  # one letter off "mekanik"
    ("katulong sa kusina", "kitchen helper"), ("katulong", "domestic worker"),
])
def test_a_query_names_its_trade(lexicon, query, english):
    assert english in lexicon.expansion(query)


def test_english_and_unknown_words_add_nothing(lexicon):
    for query in ("electrician", "driver", "welders", "security guard", "water pump",
                  "Doha", "काम", "trabajo"):
        assert lexicon.expansion(query) == [], query


def test_expanded_query_keeps_the_workers_words(lexicon):
    expanded = expand_query("  ड्राइभर   चाहियो ", lexicon)
    assert expanded.text == "ड्राइभर चाहियो driver Car, taxi and van drivers"
    assert expanded.shown(expanded.text) == "ड्राइभर चाहियो"
    assert expand_query("Doha", lexicon).text == "Doha"  # nothing named: as typed
    for bad in (None, 42, "   ", "\x00"):
        assert expand_query(bad, lexicon).text == bad  # plain search's errors apply


def test_expansion_never_makes_a_query_too_long(lexicon):
    near_limit = "x" * 480 + " ड्राइभर"
    expanded = expand_query(near_limit, lexicon, max_chars=500)
    assert len(expanded.text) <= 500 and expanded.text.startswith(near_limit)
    too_long = "ड्राइभर " * 80  # shortened by the search itself, with its notice
    assert expand_query(too_long, lexicon, max_chars=500).text == too_long
