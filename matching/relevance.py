"""The relevance floor: below it a search hit is no close match, so that a search for
nonsense or for work a corridor does not have says so instead of listing unrelated jobs.

Pure core: no Flask, no database. A hit is close when the meaning of the query and of the
job's embedded text (matching/explain.py job_embed_text) are similar enough (cosine), or a
little less similar when the job's title shares a word with the query ("scaffolding" and
"Construction Scaffolder"). Both floors are chosen on a labelled set of queries
(tests/data/search_relevance.yaml) by `choose_floor` and checked on its held-out part
(bench/search_floor.py prints both, tests/test_search_relevance.py holds them).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from matching.encoder import Encoder
from matching.explain import content_words, job_embed_text
from matching.hybrid import Hit

RELEVANT, IRRELEVANT, PARTLY = 1, 0, -1


# Words of a query that say nothing about the work ("I can ...", "I want a job").
_QUERY_ONLY = frozenset("i can want need job jobs looking me my".split())


@dataclass(frozen=True)
class Floor:
    """A hit is close at `similarity` or more, or at `titled` or more (lower) when its
    job's title shares a word with the query."""

    similarity: float
    titled: float

    def __str__(self) -> str:
        return f"{self.similarity:.2f} (title word shared: {self.titled:.2f})"


def title_shares_word(query: str, title: str) -> bool:
    """Whether a job title and a query have a content word in common (light stemming)."""
    wanted = {w for w in content_words(query) if w not in _QUERY_ONLY}
    return bool(wanted.intersection(content_words(title)))


def close_hits(hits: Iterable[Hit], floor: Floor, query: str,
               titles: Mapping[int, str]) -> list[Hit]:
    """The hits close enough to the query, in their order. A hit found by its keywords
    alone, with no similarity (beyond the vector side's candidates), is not close: a
    shared common word ("can", "work") is no evidence of a match."""
    return [h for h in hits if h.similarity is not None and (
        h.similarity >= floor.similarity or (h.similarity >= floor.titled
                                             and title_shares_word(query, titles.get(h.id, ""))))]


@dataclass(frozen=True)
class LabelledQuery:
    """A query and the occupations of the jobs that answer it, wholly or in part."""

    query: str
    relevant: frozenset[str]
    partly: frozenset[str]
    holdout: bool


def read_labels(path: str | Path) -> list[LabelledQuery]:
    with Path(path).open(encoding="utf-8") as fh:
        rows = yaml.safe_load(fh)
    return [LabelledQuery(row["query"], frozenset(row.get("relevant") or ()),
                          frozenset(row.get("partly") or ()), row.get("part") == "holdout")
            for row in rows]


def label_matrix(queries: Sequence[LabelledQuery], occupations: Sequence[str]) -> np.ndarray:
    """RELEVANT, IRRELEVANT or PARTLY for every (query, job), jobs given by occupation."""
    return np.array([[RELEVANT if o in q.relevant else PARTLY if o in q.partly else IRRELEVANT
                      for o in occupations] for q in queries], dtype=np.int8)


def title_matrix(queries: Sequence[str], titles: Sequence[str]) -> np.ndarray:
    """Whether each (query, job title) pair shares a content word."""
    return np.array([[title_shares_word(q, t) for t in titles] for q in queries], dtype=bool)


def labelled_pairs(queries: Sequence[LabelledQuery], jobs: Sequence[Mapping[str, str]],
                   encoder: Encoder, searched: Callable[[str], str] = str
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(similarities, title matches, labels) of every (query, job): jobs as mappings with
    title, occupation and description; `searched` gives the text search sends for a query
    (the lexicon's expansion)."""
    texts = [searched(q.query) for q in queries]
    job_vectors = encoder.encode([job_embed_text(j["title"], j["occupation"], j["description"])
                                  for j in jobs])
    return (encoder.encode(texts) @ job_vectors.T, title_matrix(texts, [j["title"] for j in jobs]),
            label_matrix(queries, [j["occupation"] for j in jobs]))


@dataclass(frozen=True)
class FloorScores:
    """How a floor does: pairs (query, job) kept above it, and whole queries."""

    floor: Floor
    precision: float  # of the pairs kept, the share that are relevant
    recall: float  # of the relevant pairs, the share kept
    nothing_right: int  # queries with no relevant job that keep nothing
    nothing_total: int
    found_right: int  # queries with relevant jobs that keep at least one of them
    found_total: int

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 0.0 if total == 0 else 2 * self.precision * self.recall / total

    def __str__(self) -> str:
        return (f"floor {self.floor}: precision {self.precision:.2f}, recall "
                f"{self.recall:.2f}, F1 {self.f1:.2f}; no-match queries that show nothing "
                f"{self.nothing_right}/{self.nothing_total}; queries that keep a relevant job "
                f"{self.found_right}/{self.found_total}")


def effective(similarities: np.ndarray, titled: np.ndarray, floor: Floor) -> np.ndarray:
    """Whether each (query, job) pair is close under `floor`; `titled` says which pairs
    share a title word."""
    return (similarities >= floor.similarity) | (titled & (similarities >= floor.titled))


def score_floor(similarities: np.ndarray, titled: np.ndarray, labels: np.ndarray,
                floor: Floor) -> FloorScores:
    """Score a floor on (queries × jobs) similarities, title matches and labels (PARTLY
    pairs are not counted)."""
    kept = effective(similarities, titled, floor)
    judged = labels != PARTLY
    relevant = labels == RELEVANT
    true_kept = int((kept & relevant).sum())
    all_kept = int((kept & judged).sum())
    has_relevant = relevant.any(axis=1)
    return FloorScores(
        floor=floor,
        precision=true_kept / all_kept if all_kept else 1.0,
        recall=true_kept / int(relevant.sum()) if relevant.any() else 1.0,
        nothing_right=int((~(kept & judged).any(axis=1) & ~has_relevant).sum()),
        nothing_total=int((~has_relevant).sum()),
        found_right=int(((kept & relevant).any(axis=1) & has_relevant).sum()),
        found_total=int(has_relevant.sum()))


def choose_floor(similarities: np.ndarray, titled: np.ndarray, labels: np.ndarray,
                 grid: Sequence[float] = tuple(np.round(np.arange(0.10, 0.61, 0.01), 2))
                 ) -> FloorScores:
    """The floor pair with the best F1 (of equals, the lower: a worker loses more from a
    hidden real job than from one more unrelated one)."""
    scored = [score_floor(similarities, titled, labels, Floor(float(a), float(b)))
              for a in grid for b in grid if b <= a]
    return max(scored, key=lambda s: (round(s.f1, 4), -s.floor.similarity, -s.floor.titled))
