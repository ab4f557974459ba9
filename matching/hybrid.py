"""Hybrid job search: keyword (BM25) and semantic (vector) rankings fused by weighted
reciprocal rank fusion, behind a query check that turns bad input into a clear error."""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from matching.encoder import Encoder, query_vector
from matching.errors import IndexModelMismatchError, QueryError
from matching.text_index import TextIndex
from matching.vector_index import VectorIndex

MAX_QUERY_CHARS = 500  # far beyond any real search; the model reads only ~256 tokens anyway
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class FusionWeights:
    """How much each ranking counts, and the RRF constant (60 in Cormack et al., 2009)."""

    vector: float = 1.0
    text: float = 1.0
    rrf_k: int = 60

    def __post_init__(self) -> None:
        if self.vector < 0 or self.text < 0 or self.vector + self.text == 0:
            raise ValueError("weights must be non-negative and not both zero")
        if self.rrf_k < 1:
            raise ValueError("rrf_k must be at least 1")


@dataclass(frozen=True)
class Hit:
    id: int
    score: float  # fused score
    vector_rank: int | None = None  # 1-based; None when not among the vector candidates
    text_rank: int | None = None
    similarity: float | None = None  # cosine similarity of query and document
    bm25: float | None = None


@dataclass(frozen=True)
class SearchResult:
    query: str  # the query as searched: trimmed, and shortened when too long
    hits: list[Hit]
    truncated: bool = False
    notice: str | None = None  # a message for the user, e.g. that the query was shortened


def clean_query(query: object, max_chars: int = MAX_QUERY_CHARS) -> tuple[str, bool]:
    """The query trimmed, with whitespace collapsed and control characters dropped, and
    whether it had to be shortened to `max_chars` (at a word boundary where possible).

    Raises QueryError for a non-text, empty or whitespace-only query.
    """
    if not isinstance(query, str):
        raise QueryError("The search must be text.")
    text = " ".join(_CONTROL.sub(" ", query).split())
    if not text:
        raise QueryError("Type a few words to search for.")
    if len(text) <= max_chars:
        return text, False
    cut = text[:max_chars]
    space = cut.rfind(" ")
    return (cut[:space] if space > max_chars // 2 else cut), True


def reciprocal_rank_fusion(rankings: Sequence[Sequence[int]], weights: Sequence[float],
                           rrf_k: int = 60) -> list[tuple[int, float]]:
    """Fuse ranked id lists: each id scores sum(weight / (rrf_k + rank)), best first."""
    if len(rankings) != len(weights):
        raise ValueError("one weight per ranking")
    scores: dict[int, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, item_id in enumerate(ranking, start=1):
            scores[item_id] = scores.get(item_id, 0.0) + weight / (rrf_k + rank)
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))


def hybrid_search(query: object, *, encoder: Encoder, vectors: VectorIndex, texts: TextIndex,
                  k: int = 20, allowed_ids: Iterable[int] | None = None,
                  weights: FusionWeights = FusionWeights(), candidates: int = 100,
                  max_chars: int = MAX_QUERY_CHARS) -> SearchResult:
    """The `k` best documents for a user's query, over the ids in `allowed_ids` if given.

    Each side contributes its best `candidates`; a side with weight 0 is not run.
    """
    text, truncated = clean_query(query, max_chars)
    if encoder.name != vectors.model_name:
        raise IndexModelMismatchError("vector index", f"built with {vectors.model_name!r}, "
                                                      f"queried with {encoder.name!r}")
    allowed = None if allowed_ids is None else _id_array(allowed_ids)
    depth = max(candidates, k)
    semantic = (vectors.search(query_vector(encoder, text), depth, allowed)
                if weights.vector else [])
    keyword = texts.search(text, depth, allowed) if weights.text else []
    return fuse(text, truncated, semantic, keyword, k, weights)


def fuse(text: str, truncated: bool, semantic: list[tuple[int, float]],
         keyword: list[tuple[int, float]], k: int, weights: FusionWeights) -> SearchResult:
    """The result of a search from its two rankings, (id, cosine) and (id, BM25), best
    first: every backend fuses them here, so that all rank alike."""
    fused = reciprocal_rank_fusion([[i for i, _ in semantic], [i for i, _ in keyword]],
                                   [weights.vector, weights.text], weights.rrf_k)
    hits = _hits(fused[:k], semantic, keyword)
    notice = (f"Your search was shortened to its first {len(text)} characters."
              if truncated else None)
    return SearchResult(text, hits, truncated, notice)


def _id_array(ids: Iterable[int]) -> np.ndarray:
    if isinstance(ids, (np.ndarray, list, tuple)):
        return np.asarray(ids, dtype=np.int64)
    return np.fromiter(ids, dtype=np.int64)


def _hits(fused: list[tuple[int, float]], semantic: list[tuple[int, float]],
          keyword: list[tuple[int, float]]) -> list[Hit]:
    vec = {i: (rank, s) for rank, (i, s) in enumerate(semantic, start=1)}
    txt = {i: (rank, s) for rank, (i, s) in enumerate(keyword, start=1)}
    return [Hit(i, score, vec.get(i, (None,))[0], txt.get(i, (None,))[0],
                vec.get(i, (None, None))[1], txt.get(i, (None, None))[1])
            for i, score in fused]
