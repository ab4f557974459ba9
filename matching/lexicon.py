"""The job-title lexicon: what workers call their trade in their own languages and
spellings, mapped to ISCO-08 unit groups and English titles, so that a search in Nepali,
Hindi, Bengali, Tagalog, Spanish or Arabic reaches the English job index.

Pure core: no Flask, no database. The words live in data files that people who speak
the languages maintain (matching/data/job_titles/, see its README).
"""
from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from matching.errors import QueryError
from matching.folding import fold, is_latin, words
from matching.hybrid import MAX_QUERY_CHARS, clean_query

DATA_DIR = Path(__file__).resolve().parent / "data" / "job_titles"
LANGUAGES = ("ne", "hi", "bn", "tl", "es", "ar")
# A typo is forgiven (one letter added, dropped, changed or two swapped) only in words
# this long: shorter ones are too often another real word (water / waiter).
FUZZY_MIN_LATIN, FUZZY_MIN_OTHER = 6, 5


@dataclass(frozen=True)
class Entry:
    """One way of naming a trade in one language, with every spelling of it."""

    language: str
    isco: str  # ISCO-08 unit group, 4 digits
    english: str  # the English title the job index understands
    forms: tuple[str, ...]  # as written in the file: script forms, then typed ones


@dataclass(frozen=True)
class Match:
    """Lexicon entries found in a query: the query's words [start, end) name them."""

    start: int
    end: int
    words: tuple[str, ...]
    entries: tuple[Entry, ...]
    fuzzy: bool = False


class Affixes:
    """Endings and articles that attach to a word (Nepali ड्राइभरको, Bengali কাজের,
    Arabic الأمن), read from affixes.yaml."""

    def __init__(self, suffixes: Iterable[str] = (), prefixes: Iterable[str] = ()) -> None:
        # Longest first, so that "हरूको" is tried before "को".
        self.suffixes = sorted({fold(s) for s in suffixes}, key=len, reverse=True)
        self.prefixes = sorted({fold(p) for p in prefixes}, key=len, reverse=True)

    def key(self, word: str) -> str:
        """The word without an article (Arabic ال, وال, بال, لل), for both sides."""
        for prefix in self.prefixes:
            if word.startswith(prefix) and len(word) - len(prefix) >= 3:
                return word[len(prefix):]
        return word

    def stripped(self, word: str) -> list[str]:
        """The word without one of its possible endings, most letters removed first."""
        return [word[:-len(s)] for s in self.suffixes
                if word.endswith(s) and len(word) - len(s) >= 3]


class Lexicon:
    """Finds lexicon entries in a query, longest phrase first, word by word."""

    def __init__(self, entries: Sequence[Entry], isco_labels: dict[str, str] | None = None,
                 group_names: dict[tuple[str, str], str] | None = None,
                 affixes: Affixes | None = None) -> None:
        self.entries = tuple(entries)
        self.isco_labels = dict(isco_labels or {})
        self.group_names = dict(group_names or {})  # (language, isco) -> name
        self.affixes = affixes or Affixes()
        self._phrases: dict[tuple[str, ...], list[Entry]] = {}
        for entry in self.entries:
            for form in entry.forms:
                phrase = self._keys(words(form))
                if phrase and entry not in self._phrases.setdefault(phrase, []):
                    self._phrases[phrase].append(entry)
        self._longest = max((len(p) for p in self._phrases), default=0)
        self._near = _deletion_index(p[0] for p in self._phrases if len(p) == 1)

    def _keys(self, folded: Sequence[str]) -> tuple[str, ...]:
        return tuple(self.affixes.key(w) for w in folded)

    def find(self, text: str) -> list[Match]:
        """The entries named in `text`, left to right; a longer phrase wins over the
        shorter ones inside it ("heavy driver" over "driver")."""
        folded = words(text)
        keys = self._keys(folded)
        found, i = [], 0
        while i < len(keys):
            match = self._match_at(keys, i) or self._near_match(keys, i)
            if match is None:
                i += 1
                continue
            start, end, entries, fuzzy = match
            found.append(Match(start, end, tuple(folded[start:end]), tuple(entries), fuzzy))
            i = end
        return found

    def _match_at(self, keys: tuple[str, ...], i: int) -> tuple | None:
        for n in range(min(self._longest, len(keys) - i), 0, -1):
            head, last = keys[i:i + n - 1], keys[i + n - 1]
            for candidate in (last, *self.affixes.stripped(last)):
                entries = self._phrases.get((*head, candidate))
                if entries:
                    return i, i + n, entries, False
        return None

    def _near_match(self, keys: tuple[str, ...], i: int) -> tuple | None:
        """A single word one typo away from a lexicon word: "draibar", "plumer"."""
        word = keys[i]
        for candidate in (word, *self.affixes.stripped(word)):
            if len(candidate) < (FUZZY_MIN_LATIN if is_latin(candidate) else FUZZY_MIN_OTHER):
                continue
            near = sorted(t for d in _deletions(candidate) for t in self._near.get(d, ())
                          if _one_edit(candidate, t))
            if near:
                return i, i + 1, self._phrases[(near[0],)], True
        return None

    def expansion(self, text: str) -> list[str]:
        """English titles and ISCO group labels for the entries named in `text`, each
        once, in query order. A word that is already English (its entry's English title
        has it) adds nothing: the index reads English as it is."""
        added: dict[str, None] = {}
        for match in self.find(text):
            for entry in match.entries:
                if _already_english(match.words, entry, self.isco_labels.get(entry.isco, "")):
                    continue
                added[entry.english] = None
                if entry.isco in self.isco_labels:
                    added[self.isco_labels[entry.isco]] = None
        return list(added)

    def group_name(self, isco: str, language: str) -> str | None:
        """The ISCO group's name in `language` where the lexicon has one."""
        return self.group_names.get((language, isco))


@dataclass(frozen=True)
class ExpandedQuery:
    """A query as both indexes search it: the user's words, then the English words the
    lexicon adds (`added`, "" when none)."""

    text: object
    added: str = ""

    def shown(self, searched: str) -> str:
        """The user's own words, from the query a backend reports having searched."""
        suffix = f" {self.added}"
        return searched[:-len(suffix)] if self.added and searched.endswith(suffix) else searched


def expand_query(query: object, lexicon: Lexicon,
                 max_chars: int = MAX_QUERY_CHARS) -> ExpandedQuery:
    """The query with the English titles its words name appended, its own words kept.

    A query that names nothing, that is not text, or that is too long already goes on
    unchanged (so its errors and notices are those of plain search); the additions stop
    before the query would exceed `max_chars`.
    """
    try:
        text, truncated = clean_query(query, max_chars)
    except QueryError:
        return ExpandedQuery(query)
    added = ""
    for phrase in ([] if truncated else lexicon.expansion(text)):
        longer = f"{added} {phrase}".strip()
        if len(text) + 1 + len(longer) > max_chars:
            break
        added = longer
    return ExpandedQuery(f"{text} {added}", added) if added else ExpandedQuery(query)


def _already_english(matched: Sequence[str], entry: Entry, label: str) -> bool:
    english = {_singular(w) for w in words(f"{entry.english} {label}")}
    return all(is_latin(w) and _singular(w) in english for w in matched)


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def _deletions(word: str) -> set[str]:
    return {word} | {word[:i] + word[i + 1:] for i in range(len(word))}


def _deletion_index(terms: Iterable[str]) -> dict[str, set[str]]:
    """Each term under itself and every one-letter deletion of it: two words one edit
    apart share an entry, so a typo is found without comparing it to every term."""
    index: dict[str, set[str]] = {}
    for term in terms:
        if len(term) >= min(FUZZY_MIN_LATIN, FUZZY_MIN_OTHER) - 1:
            for deletion in _deletions(term):
                index.setdefault(deletion, set()).add(term)
    return index


def _one_edit(a: str, b: str) -> bool:
    """Whether a and b differ by at most one insertion, deletion, substitution or swap
    of neighbours (optimal string alignment distance <= 1)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    prefix = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    if len(a) == len(b):
        return (a[prefix + 1:] == b[prefix + 1:]
                or (a[prefix + 2:] == b[prefix + 2:] and a[prefix:prefix + 2] ==
                    b[prefix:prefix + 2][::-1]))
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return longer[prefix + 1:] == shorter[prefix:]


def read_entries(path: Path, language: str) -> list[Entry]:
    """A language's entries from its CSV file (isco, english, script, typed; spellings
    separated by |)."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = [row for row in csv.DictReader(row for row in fh if not row.startswith("#"))]
    return [Entry(language, row["isco"].strip(), row["english"].strip(),
                  tuple(f.strip() for f in (*_split(row["script"]), *_split(row["typed"]))
                        if f.strip()))
            for row in rows]


def _split(cell: str | None) -> list[str]:
    return (cell or "").split("|")


def read_group_names(path: Path) -> dict[tuple[str, str], str]:
    """(language, isco) -> the ISCO group's name in that language, from groups.csv."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(row for row in fh if not row.startswith("#")))
    return {(language, row["isco"].strip()): row[language].strip()
            for row in rows for language in LANGUAGES if (row.get(language) or "").strip()}


def read_isco_labels(path: Path) -> dict[str, str]:
    """ISCO-08 unit group code -> English label, from ESCO's ISCOGroups_en.csv."""
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["code"]: row["preferredLabel"].strip() for row in csv.DictReader(fh)
                if len(row["code"]) == 4}


def read_affixes(path: Path) -> Affixes:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return Affixes(suffixes=[s for group in (data.get("suffixes") or {}).values()
                             for s in group],
                   prefixes=[p for group in (data.get("prefixes") or {}).values()
                             for p in group])


def load_lexicon(isco_labels_csv: Path | None = None, directory: Path = DATA_DIR,
                 languages: Iterable[str] = LANGUAGES) -> Lexicon:
    """The lexicon of every language's file in `directory`, with the ISCO labels."""
    entries = [e for language in languages
               for e in read_entries(directory / f"{language}.csv", language)]
    labels = read_isco_labels(isco_labels_csv) if isco_labels_csv else {}
    return Lexicon(entries, labels, read_group_names(directory / "groups.csv"),
                   read_affixes(directory / "affixes.yaml"))
