"""Mapping a job title to its ESCO occupation (and so its ISCO-08 group) (pure).

Every ESCO preferred and alternative label is embedded once with the matching
encoder and the matrix kept on disk, keyed by model name and taxonomy file; a title
goes to the occupation of its nearest label. Without an encoder (the model missing or
broken), a title matches a label it equals or contains, longest label first.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)
# Measured by bench/occupation_mapping.py on the 200 demo ads an expert labelled: the
# title alone maps 46% to the expert's occupation and 56% to its ISCO-08 unit group;
# adding the first 100 description characters drops that to 42% / 52%, so titles go
# alone. Below a cosine of 0.45 were 11 wrong guesses and 1 right one: those postings
# get no occupation rather than a wrong one.
MIN_SIMILARITY = 0.45
# Added to a label's cosine per share of its words found in the title; 0.1 moved the
# demo ads from 45.5% to 46% exact and 56% to 56.5% ISCO group, and stops subword
# confusions (0.05-0.3 all measured within a point of each other).
WORD_BONUS = 0.1
DESCRIPTION_CHARS = 0  # description characters added to the title (0: the title alone)


@dataclass(frozen=True)
class OccupationGuess:
    esco_uri: str
    label: str
    similarity: float
    method: str  # "embedding" or "label"


def _phrase(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def label_table(rows: Iterable[dict]) -> tuple[list[str], list[str], dict[str, str]]:
    """(texts, their occupation URIs, URI -> preferred label) for every ESCO label."""
    texts, uris, names = [], [], {}
    for row in rows:
        names[row["esco_uri"]] = row["label"]
        labels = [row["label"], *row.get("alt_labels", "").split("\n")]
        for label in dict.fromkeys(l.strip() for l in labels if l.strip()):
            texts.append(label)
            uris.append(row["esco_uri"])
    return texts, uris, names


class LabelMatcher:
    """The fallback: a title equal to a label, or containing one (longest first)."""

    def __init__(self, texts: Sequence[str], uris: Sequence[str], names: dict[str, str]) -> None:
        self.names = names
        self.exact: dict[str, str] = {}
        for text, uri in zip(texts, uris):
            self.exact.setdefault(_phrase(text), uri)
        self.by_length = sorted((p for p in self.exact if len(p) >= 4), key=len, reverse=True)

    def guess(self, title: str) -> OccupationGuess | None:
        phrase = _phrase(title)
        uri = self.exact.get(phrase)
        if uri is None:
            padded = f" {phrase} "
            uri = next((self.exact[p] for p in self.by_length if f" {p} " in padded), None)
        return None if uri is None else OccupationGuess(uri, self.names[uri], 1.0, "label")


class EmbeddingMatcher:
    """Nearest ESCO label by cosine similarity, plus a small bonus for the share of a
    label's words that the title contains, so that "Commis Cook" is a cook and not a
    police commissioner (words the subword model confuses)."""

    def __init__(self, encoder: Any, matrix: np.ndarray, texts: Sequence[str],
                 uris: Sequence[str], names: dict[str, str],
                 min_similarity: float = MIN_SIMILARITY) -> None:
        self.encoder, self.matrix, self.uris, self.names = encoder, matrix, list(uris), names
        self.min_similarity = min_similarity
        rows_with: dict[str, list[int]] = {}
        lengths = []
        for row, text in enumerate(texts):
            words = set(_phrase(text).split())
            lengths.append(max(1, len(words)))
            for word in words:
                rows_with.setdefault(word, []).append(row)
        self.rows_with = {w: np.array(r, dtype=np.int32) for w, r in rows_with.items()}
        self.label_lengths = np.array(lengths, dtype=np.float32)

    def guess_many(self, texts: Sequence[str]) -> list[OccupationGuess | None]:
        """One guess per text; each distinct text is embedded and compared once."""
        distinct = list(dict.fromkeys(texts))
        if not distinct:
            return []
        vectors = self.encoder.encode(distinct)
        found: dict[str, OccupationGuess | None] = {}
        for start in range(0, len(distinct), 256):  # bounded memory: 256 x labels scores
            scores = vectors[start:start + 256] @ self.matrix.T
            for row, text in enumerate(distinct[start:start + 256]):
                found[text] = self._best(text, scores[row])
        return [found[text] for text in texts]

    def _best(self, text: str, cosine: np.ndarray) -> OccupationGuess | None:
        hits = [self.rows_with[w] for w in set(_phrase(text).split()) if w in self.rows_with]
        ranked = cosine
        if hits:
            shared = np.bincount(np.concatenate(hits), minlength=len(cosine))
            ranked = cosine + WORD_BONUS * shared / self.label_lengths
        best = int(ranked.argmax())
        similarity, uri = float(cosine[best]), self.uris[best]
        if similarity < self.min_similarity:
            return None
        return OccupationGuess(uri, self.names[uri], round(similarity, 3), "embedding")


def label_matrix(encoder: Any, texts: Sequence[str], cache_dir: Path,
                 taxonomy_key: str) -> np.ndarray:
    """The embedded labels, from `cache_dir` if this model has embedded this taxonomy."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", encoder.name)[-80:]
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    path = cache_dir / f"esco-labels-{slug}-{taxonomy_key}-{digest}.npy"
    if path.exists():
        try:
            matrix = np.load(path, allow_pickle=False)
            if matrix.shape == (len(texts), encoder.dim) and matrix.dtype == np.float32:
                return matrix
        except (OSError, ValueError, EOFError):
            pass  # a torn or foreign file: embed again below
        log.warning("ignoring unusable label matrix %s", path)
    matrix = np.ascontiguousarray(encoder.encode(list(texts)), dtype=np.float32)
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.partial")
    with partial.open("wb") as fh:
        np.save(fh, matrix, allow_pickle=False)
    os.replace(partial, path)  # readers see the whole file or none
    return matrix


class OccupationMapper:
    """Titles to ESCO occupations: by embedding when an encoder works, else by label text."""

    def __init__(self, rows: Iterable[dict], encoder: Any | None, cache_dir: Path,
                 taxonomy_key: str = "esco") -> None:
        texts, uris, names = label_table(rows)
        self.labels = LabelMatcher(texts, uris, names)
        self.embedding: EmbeddingMatcher | None = None
        if encoder is not None:
            try:
                matrix = label_matrix(encoder, texts, cache_dir, taxonomy_key)
                self.embedding = EmbeddingMatcher(encoder, matrix, texts, uris, names)
            except Exception as error:  # any model failure: the label fallback still works
                log.warning("occupation embedding unavailable (%s); matching labels", error)

    @property
    def method(self) -> str:
        return "embedding" if self.embedding else "label"

    def guess_many(self, titles: Sequence[str],
                   descriptions: Sequence[str] | None = None) -> list[OccupationGuess | None]:
        """One guess (or None) per title, in order."""
        queries = list(titles)
        if DESCRIPTION_CHARS and descriptions:
            queries = [f"{t}. {d[:DESCRIPTION_CHARS]}" for t, d in zip(titles, descriptions)]
        if self.embedding is not None:
            try:
                return self.embedding.guess_many(queries)
            except Exception as error:  # the model broke after loading: fall back
                log.warning("occupation embedding failed (%s); matching labels", error)
        return [self.labels.guess(title) for title in titles]
