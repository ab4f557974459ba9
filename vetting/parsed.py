"""A parsed ad flattened once into plain lists, so the rules look up words and relations cheaply.

Creating spaCy Token objects costs more than the look-ups themselves, and the rules look at
the same tokens many times (context words, negation scope, who pays).
"""
from __future__ import annotations

from spacy.attrs import (DEP, ENT_TYPE, HEAD, IDX, IS_PUNCT, LEMMA, LIKE_EMAIL, LIKE_NUM,
                         LIKE_URL, LOWER, ORTH, POS, SENT_START)
from spacy.tokens import Doc, Token


COLUMNS = ("lower", "lemma", "pos", "orth", "ent_type", "is_punct", "like_num")


class ParsedAd:
    """Words, lemmas, parse and sentences of one Doc, with per-ad caches."""

    def __init__(self, doc: Doc, known_lemmas: set[str] | frozenset[str] = frozenset(),
                 text: str | None = None) -> None:
        self.doc = doc
        self._text = text  # doc.text, when the caller has it: rebuilding it walks every token
        size = len(doc)
        store = doc.vocab.strings
        if size:
            array = doc.to_array([LOWER, LEMMA, IDX, SENT_START, HEAD, DEP, POS, ORTH, ENT_TYPE,
                                  IS_PUNCT, LIKE_NUM])
            (lowers, lemmas, idx, starts, _, deps, pos, orths, ents, self.is_punct,
             self.like_num) = array.T.tolist()
            # HEAD is an offset, stored unsigned: read it back as a signed number
            offsets = array[:, 4].astype("int64").tolist()
        else:
            lowers = lemmas = idx = starts = offsets = deps = pos = orths = ents = []
            self.is_punct = self.like_num = []
        self.lower: list[str] = _strings(store, lowers)
        self.lemma: list[str] = _strings(store, lemmas)
        self.orth: list[str] = _strings(store, orths)
        self.ent_type: list[str] = _strings(store, ents)  # "" outside entities
        self.idx: list[int] = idx
        lower = self.lower
        for i, lemma in enumerate(self.lemma):
            if lemma != lower[i] and lemma != lemma.lower():
                self.lemma[i] = _clean_lemma(doc[i], known_lemmas)
        positions: dict[str, list[int]] = {}
        for i, (word, lemma) in enumerate(zip(lower, self.lemma)):
            if word in positions:
                positions[word].append(i)
            else:
                positions[word] = [i]
            if lemma != word:
                if lemma in positions:
                    positions[lemma].append(i)
                else:
                    positions[lemma] = [i]
        self.positions = positions
        self.words = frozenset(positions)  # every word and lemma of the ad
        self.head = [i + offset for i, offset in enumerate(offsets)]
        self.dep = _strings(store, deps)
        names = _POS_NAMES
        self.pos = [names.get(p, "") for p in pos]
        # The token attributes patterns test, in the order of COLUMNS (vetting.tokenpattern).
        self.columns = tuple(getattr(self, name) for name in COLUMNS)
        self._children: list[list[int]] | None = None
        self._sentence: list[tuple[int, int]] = []
        # SENT_START is 1 for a start, stored unsigned like HEAD (-1 reads as a large number)
        bounds = [i for i, start in enumerate(starts) if i == 0 or start == 1] + [size]
        for start, end in zip(bounds, bounds[1:]):
            self._sentence.extend([(start, end)] * (end - start))
        self._segments: dict[tuple[int, int], frozenset[str]] = {}
        self._where: dict[frozenset[str], list[int]] = {}
        self._flags: frozenset[str] | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = self.doc.text
        return self._text

    def __len__(self) -> int:
        return len(self.lower)

    @property
    def children(self) -> list[list[int]]:
        """The tokens that depend on each token in the parse."""
        if self._children is None:
            self._children = [[] for _ in self.head]
            for i, head in enumerate(self.head):
                if head != i:
                    self._children[head].append(i)
        return self._children

    def where(self, words: frozenset[str]) -> list[int]:
        """Positions, in order, of the tokens whose word or lemma is one of `words`."""
        found = self._where.get(words)
        if found is None:
            positions = self.positions
            found = self._where[words] = sorted(
                {i for word in words & self.words for i in positions[word]})
        return found

    def sentence(self, i: int) -> tuple[int, int]:
        return self._sentence[i]

    def in_question(self, i: int) -> bool:
        """Whether token i stands in a sentence that ends with a question mark."""
        _, end = self._sentence[i]
        return any(word == "?" for word in self.lower[max(i, end - 2):end])

    def in_heading(self, i: int) -> bool:
        """Whether token i stands in a heading: a line of its own that ends with a colon and
        holds no figures, before a line that does not start with one ("Recruitment costs and
        your rights:" names a topic; "Placement fee:" above "NPR 50,000" states a fee)."""
        text = self.text
        at = self.idx[i]
        line_start = text.rfind("\n", 0, at) + 1
        line_end = text.find("\n", at)
        line_end = len(text) if line_end < 0 else line_end
        line = text[line_start:line_end].strip()
        if not line.endswith(":") or line_start + len(line) <= at or _has_digit(line):
            return False
        following = text[line_end:].lstrip()[:12]
        return not _has_digit(following)

    def theme(self, start: int, end: int) -> list[int]:
        """What the verb of tokens start:end acts on: its object or passive subject, or the
        noun it describes ("return trip paid at the end of the contract")."""
        verbs = [i for i in range(start, end) if self.pos[i] in ("VERB", "AUX")]
        if not verbs:
            return []
        verb = verbs[0]
        found = [c for c in self.children[verb] if self.dep[c] in ("nsubjpass", "dobj")]
        if self.dep[verb] in ("acl", "relcl") and self.head[verb] != verb:
            found.append(self.head[verb])
        return found

    def segment(self, start: int, end: int) -> tuple[int, int]:
        """The sentence around tokens start:end, cut at semicolons (lists of terms in ads)."""
        left, right = self._sentence[start]
        lower = self.lower
        left = next((i + 1 for i in range(start - 1, left - 1, -1) if lower[i] == ";"), left)
        right = next((i for i in range(end, right) if lower[i] == ";"), right)
        return left, right

    def segment_words(self, start: int, end: int) -> frozenset[str]:
        bounds = self.segment(start, end)
        if bounds not in self._segments:
            a, b = bounds
            self._segments[bounds] = frozenset(self.lower[a:b]) | frozenset(self.lemma[a:b])
        return self._segments[bounds]

    def doc_words(self) -> frozenset[str]:
        """Words of the whole ad plus EMAIL / URL when it contains an address or a link."""
        if self._flags is None:
            flags: set[str] = set()
            if len(self.doc):
                marks = self.doc.to_array([LIKE_EMAIL, LIKE_URL]).any(axis=0).tolist()
                flags = {flag for flag, marked in zip(("EMAIL", "URL"), marks) if marked}
            self._flags = self.words | flags
        return self._flags


_SEEN: dict[int, str] = {}  # hash -> string, across ads: cheaper than the StringStore


def _strings(store, keys: list[int]) -> list[str]:
    seen = _SEEN
    if len(seen) > 500_000:
        seen.clear()
    for key in keys:
        if key not in seen:
            seen[key] = store[key]
    return list(map(seen.__getitem__, keys))


def _has_digit(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


def _pos_names() -> dict[int, str]:
    from spacy import parts_of_speech

    return {int(value): name for name, value in parts_of_speech.IDS.items()}


_POS_NAMES = _pos_names()


def _clean_lemma(token: Token, known: set[str] | frozenset[str]) -> str:
    """Lower-case a lemma the lemmatizer left as written (proper nouns, CAPITALS: "FEES").

    A plural that is not itself a catalogue word loses its "s" when the singular is one.
    The token's lemma is updated so that the matchers see the same form.
    """
    lemma = token.lemma_
    lower = lemma.lower()
    if lower == lemma:
        return lemma
    if lower not in known and lower.endswith("s") and lower[:-1] in known:
        lower = lower[:-1]
    token.lemma_ = lower
    return lower
