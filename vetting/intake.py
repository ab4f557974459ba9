"""Checks raw ad text before scoring: decodes and caps it, and spots text the rules cannot judge.

Offsets stay valid: characters are only replaced one for one, and a cut keeps the start.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CHARS = 20_000

SCORED = "scored"
EMPTY = "empty"
NOT_TEXT = "not_text"
NOT_ENGLISH = "not_english"

def N_(message: str) -> str:
    """Marks a message for extraction (`make messages`); it is translated where it is shown."""
    return message


MESSAGES = {
    SCORED: N_("scored"),
    EMPTY: N_("nothing to score: the text is empty"),
    NOT_TEXT: N_("not scored: this does not look like text"),
    NOT_ENGLISH: N_("not scored in this language"),
}

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
# Common English function words; stop-word-free text is judged by the job vocabulary below.
_ENGLISH = frozenset("""
a an the and or but of to in on at for with by from as is are was were be been will would shall
should can could may must have has had do does did not no you your we our us they their it its
this that these those who which what when where if per all any each after before about into
than then there here only also more most very""".split())
_ENGLISH_JOB = frozenset("""
work job jobs working experience team company salary years year skills customer service services
management required requirements position development business candidate candidates including
support ability strong knowledge new time manager sales project communication office environment
opportunity looking provide apply excellent level responsibilities benefits employees employee
role client clients training technical data systems software engineering marketing products
product health care hours day week month monthly pay wage wages visa contract worker workers
staff employer hiring hire needed driver cleaner nurse hotel construction accommodation food
free fee fees ticket passport agency licence license overtime""".split())
# Function words of languages that corridor ads are often written in (Malay/Indonesian,
# Tagalog, Spanish, French, Portuguese, romanised Nepali and Hindi/Urdu).
_OTHER = frozenset("""
dan yang untuk di ke dengan ini itu tidak ada akan pada atau boleh sila kami anda gaji kerja
ang ng mga sa ay kayo ikaw po ito lang hindi walang sahod trabaho
el la los las del que y en por para con una es se su sin trabajo salario
le les des du et est pour avec une dans vous nous sur travail
os da das dos com uma em não para salário
ko lai cha chha ho ra pani garne hajur ma hai hain ka ki ke mein aur se nahi kaam tanakhwah
""".split())


@dataclass(frozen=True)
class PreparedText:
    """Text ready for the pipeline, or the reason it cannot be scored."""

    text: str
    status: str
    original_chars: int
    truncated: bool = False
    notes: tuple[str, ...] = ()

    @property
    def scorable(self) -> bool:
        return self.status == SCORED


def prepare_text(raw: object, max_chars: int = MAX_CHARS) -> PreparedText:
    """Decode, clean and cap `raw`; never raises, whatever it is given."""
    text, status = _decode(raw)
    if status is not None:
        return PreparedText("", status, len(text))
    original = len(text)
    if _looks_binary(text):
        return PreparedText("", NOT_TEXT, original)
    text = _CONTROL.sub(" ", text)
    if not any(ch.isalpha() for ch in text):
        return PreparedText("", EMPTY, original)
    truncated = original > max_chars
    notes: tuple[str, ...] = ()
    if truncated:
        text = _cut(text, max_chars)
        notes = (f"text cut at {len(text):,} of {original:,} characters; the rest was not scored",)
    if not is_probably_english(text):
        return PreparedText("", NOT_ENGLISH, original, truncated, notes)
    return PreparedText(text, SCORED, original, truncated, notes)


def is_probably_english(text: str) -> bool:
    """A cheap guess from letters and common words; short or unclear text counts as English."""
    # Letters counted without a Python loop over every character: ASCII ones by pattern,
    # then the few others one by one.
    foreign = sum(1 for ch in _NOT_ASCII.findall(text) if ch.isalpha())
    letters = len(_ASCII_LETTER.findall(text)) + foreign
    if not letters:
        return False
    if foreign / letters > 0.25:
        return False
    words = _WORD.findall(text.lower())
    if len(words) < 4:
        return True
    english = sum(w in _ENGLISH for w in words) / len(words)
    other = sum(w in _OTHER for w in words) / len(words)
    if other > english and other >= 0.08:
        return False
    if english >= 0.05:
        return True
    # Text stripped of stop words (as in some data sets) still shows English job vocabulary.
    return sum(w in _ENGLISH_JOB for w in words) / len(words) >= 0.04


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
_NOT_ASCII = re.compile(r"[^\x00-\x7f]")
# Control characters, the replacement character, private-use and unpaired surrogate code points.
_ODD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd\ue000-\uf8ff\ud800-\udfff]")


def _decode(raw: object) -> tuple[str, str | None]:
    if raw is None:
        return "", EMPTY
    if isinstance(raw, (bytes, bytearray, memoryview)):
        data = bytes(raw)
        if b"\x00" in data[:4096]:
            return "", NOT_TEXT
        return data.decode("utf-8", errors="replace"), None
    if not isinstance(raw, str):
        return "", NOT_TEXT
    return (raw, None) if raw.strip() else (raw, EMPTY)


def _looks_binary(text: str) -> bool:
    """Mostly control, private-use or undecodable characters: not something a person wrote."""
    sample = text[:4096]
    return len(_ODD.findall(sample)) / len(sample) > 0.1


def _cut(text: str, max_chars: int) -> str:
    """Cut at a word boundary near `max_chars` so the last word is not split."""
    cut = text.rfind(" ", max(0, max_chars - 200), max_chars)
    return text[: cut if cut > 0 else max_chars]
