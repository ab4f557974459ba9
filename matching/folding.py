"""Spelling folds for matching what a worker types against the job-title lexicon: one
form for the many ways a word is written in Latin, Devanagari, Bengali and Arabic script.

Pure core: no Flask, no database. Both the lexicon and the query go through `fold`, so a
fold only has to be consistent, never linguistically exact; it is never shown to anyone.
"""
from __future__ import annotations

import unicodedata

# Invisible characters that phone keyboards insert or drop at will: zero-width
# (non-)joiners shape Indic conjuncts, the tatweel stretches Arabic words.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u0640"))

# Marks dropped after canonical decomposition: Latin accents (chófer = chofer), the
# Devanagari and Bengali nukta (ड़ = ड, য় = য: keyboards and writers differ), Arabic
# short vowels, shadda and the hamza carried on alef, waw and ya (أ إ آ = ا).
_DROPPED_MARKS = frozenset(
    [*range(0x0300, 0x0370), 0x093C, 0x09BC, *range(0x064B, 0x0660), 0x0670])

# Letters written interchangeably in everyday typing, each folded to one of them.
_LETTERS = str.maketrans({
    # Devanagari: chandrabindu as anusvara; long i/u as short (ड्राईभर = ड्राइभर); the
    # "English" candra vowels of loanwords as plain ones (डॉक्टर = डाक्टर).
    "\u0901": "\u0902", "\u0940": "\u093f", "\u0942": "\u0941", "\u0908": "\u0907",
    "\u090a": "\u0909", "\u0949": "\u093e", "\u0945": "\u0947", "\u0911": "\u0906",
    "\u090d": "\u090f",
    # Bengali: the same folds, and khanda ta as ta.
    "\u0981": "\u0982", "\u09c0": "\u09bf", "\u09c2": "\u09c1", "\u0988": "\u0987",
    "\u098a": "\u0989", "\u09ce": "\u09a4",
    # Arabic: wasla alef as alef, alef maqsura and Persian ya as ya, ta marbuta as ha,
    # Persian kaf as kaf.
    "\u0671": "\u0627", "\u0649": "\u064a", "\u06cc": "\u064a", "\u0629": "\u0647",
    "\u06a9": "\u0643",
})


def fold(text: str) -> str:
    """`text` in the one spelling that lexicon look-ups compare: compatibility forms
    unified (NFKC), case folded, the marks and letter variants above folded."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_INVISIBLE)
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(c for c in decomposed if ord(c) not in _DROPPED_MARKS)
    return unicodedata.normalize("NFC", kept).translate(_LETTERS)


def _is_word_char(char: str) -> bool:
    # Letters, digits and combining marks: Indic vowel signs and viramas are marks, and
    # a word split at them (as \w does in `re`) is no longer the word.
    return unicodedata.category(char)[0] in "LMN"


def words(text: str) -> list[str]:
    """The folded words of `text`, in order; any other character separates words."""
    out: list[str] = []
    current: list[str] = []
    for char in fold(text):
        if _is_word_char(char):
            current.append(char)
        elif current:
            out.append("".join(current))
            current = []
    if current:
        out.append("".join(current))
    return out


def is_latin(word: str) -> bool:
    """Whether a folded word is written in Latin letters (romanised or English)."""
    return all(ord(c) < 0x0250 for c in word)
