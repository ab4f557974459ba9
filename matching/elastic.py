"""The Elasticsearch search backend (`SEARCH_BACKEND=elasticsearch`, `ELASTICSEARCH_URL`).

One index holds each job's analysed text (title, body), keyword fields for the filters,
and a `dense_vector` of the encoder's dimension (dot product on unit vectors, i.e. cosine).
A search runs a BM25 query and a kNN query with the same filters and fuses the two
rankings client-side with matching.hybrid.fuse (the RRF the embedded backend uses; ES's
own `rrf` retriever needs a paid licence). The index mapping's `_meta` records the model
name and dimension; opening an index built with another model recreates it empty and says
why in `rebuilt_reason`, so the caller reindexes instead of searching wrong vectors.

Pure core: no Flask, no database. The `elasticsearch` client is imported only here, when
this backend is opened.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from matching.backend import NO_FILTERS, Document, SearchFilters
from matching.encoder import Encoder, query_vector
from matching.errors import IndexModelMismatchError, SearchBackendUnavailable
from matching.hybrid import FusionWeights, SearchResult, clean_query, fuse
from matching.text_index import TITLE_WEIGHT, query_words

FORMAT_VERSION = 1
DEFAULT_INDEX = "faircorridor-jobs"
CANDIDATES = 100  # each side's ranking depth before fusion, as in the embedded backend
MAX_ALLOWED_IDS = 65_536  # ES's default index.max_terms_count


class ElasticBackend:
    """Hybrid search in one Elasticsearch index; see the module docstring."""

    wants_allowed_ids = False

    def __init__(self, url: str, encoder: Encoder, index: str = DEFAULT_INDEX, *,
                 client: Any | None = None, request_timeout: float = 10.0) -> None:
        from elasticsearch import Elasticsearch

        self.encoder = encoder
        self.index = index
        self.url = url
        self.client = client or Elasticsearch(url, request_timeout=request_timeout)
        self.rebuilt_reason: str | None = None
        with _reported():
            self._open()

    def __repr__(self) -> str:
        return f"<ElasticBackend {self.url} {self.index!r}>"

    # -- the index and its mapping ---------------------------------------------------------

    def meta(self) -> dict:
        """What the index records about how it was built (model, dims, format)."""
        return {"format": FORMAT_VERSION, "model": self.encoder.name, "dims": self.encoder.dim}

    def _mapping(self) -> dict:
        keyword = {"type": "keyword"}
        return {
            "_meta": self.meta(),
            "dynamic": "strict",
            "properties": {
                "title": {"type": "text", "analyzer": "english"},
                "body": {"type": "text", "analyzer": "english"},
                # Plain HNSW on float vectors: quantised defaults would blur the similarities
                # shown to users in match explanations.
                "vector": {"type": "dense_vector", "dims": self.encoder.dim, "index": True,
                           "similarity": "dot_product", "index_options": {"type": "hnsw"}},
                "corridor": keyword, "organisation_tier": keyword,
                "occupation_id": {"type": "integer"}, "organisation_id": {"type": "integer"},
                "job_id": {"type": "long"},
                "monthly_wage_usd": {"type": "double"},
                "valid_through": {"type": "date", "format": "strict_date"},
                "published": {"type": "boolean"},
            },
        }

    def _open(self) -> None:
        if not self.client.indices.exists(index=self.index):
            self._create()
            self.rebuilt_reason = f"no index {self.index!r} yet"
            return
        problem = self.stale_reason()
        if problem:
            self.rebuilt_reason = problem
            self.client.indices.delete(index=self.index)
            self._create()

    def stale_reason(self) -> str | None:
        """Why the stored index cannot be searched with this encoder, or None if it can."""
        mappings = self.client.indices.get_mapping(index=self.index)[self.index]["mappings"]
        stored = mappings.get("_meta") or {}
        if stored != self.meta():
            return str(IndexModelMismatchError(
                self.index, f"built with {stored.get('model')!r} (dim {stored.get('dims')}, "
                            f"format {stored.get('format')}), expected {self.encoder.name!r} "
                            f"(dim {self.encoder.dim}, format {FORMAT_VERSION})"))
        return None

    def _create(self) -> None:
        self.client.indices.create(index=self.index, mappings=self._mapping(),
                                   settings={"number_of_shards": 1})

    # -- writing ---------------------------------------------------------------------------

    def upsert(self, documents: Sequence[Document], *, visible_now: bool = True) -> None:
        if not documents:
            return
        from elasticsearch import helpers

        vectors = self.encoder.encode([d.embed_text for d in documents])
        actions = [{"_op_type": "index", "_index": self.index, "_id": str(d.id),
                    "_source": _source(d, v)} for d, v in zip(documents, vectors)]
        with _reported():
            helpers.bulk(self.client, actions, refresh="wait_for" if visible_now else False)

    def remove(self, ids: Iterable[int]) -> None:
        from elasticsearch import helpers

        actions = [{"_op_type": "delete", "_index": self.index, "_id": str(int(i))}
                   for i in ids]
        if not actions:
            return
        with _reported():  # deleting an absent id is not an error here
            helpers.bulk(self.client, actions, refresh="wait_for", raise_on_error=False)

    def clear(self) -> None:
        with _reported():
            self.client.indices.delete(index=self.index, ignore_unavailable=True)
            self._create()

    def save(self) -> None:
        with _reported():
            self.client.indices.refresh(index=self.index)

    def close(self) -> None:
        self.client.close()

    # -- reading ---------------------------------------------------------------------------

    def count(self) -> int:
        with _reported():
            return int(self.client.count(index=self.index)["count"])

    def missing(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        found: set[int] = set()
        with _reported():
            for start in range(0, len(ids), 10_000):
                chunk = ids[start:start + 10_000].tolist()
                response = self.client.search(
                    index=self.index, query={"ids": {"values": [str(i) for i in chunk]}},
                    size=len(chunk), source=False, filter_path="hits.hits._id")
                found.update(int(h["_id"]) for h in response.get("hits", {}).get("hits", []))
        return ids[~np.isin(ids, np.fromiter(found, np.int64, len(found)))]

    def search(self, query: object, k: int, weights: FusionWeights,
               filters: SearchFilters = NO_FILTERS) -> SearchResult:
        text, truncated = clean_query(query)
        depth = max(CANDIDATES, k)
        conditions = _filter_clauses(filters)
        semantic = (self._knn(query_vector(self.encoder, text), depth, conditions)
                    if weights.vector else [])
        keyword = self._bm25(text, depth, conditions) if weights.text else []
        return fuse(text, truncated, semantic, keyword, k, weights)

    def nearest(self, vector: np.ndarray, k: int,
                filters: SearchFilters = NO_FILTERS) -> list[tuple[int, float]]:
        return self._knn(np.asarray(vector, dtype=np.float32), k, _filter_clauses(filters))

    def _knn(self, vector: np.ndarray, k: int, conditions: list[dict]) -> list[tuple[int, float]]:
        if k <= 0:
            return []
        knn = {"field": "vector", "query_vector": vector.tolist(), "k": k,
               "num_candidates": max(2 * k, CANDIDATES), "filter": conditions}
        with _reported():
            response = self.client.search(index=self.index, knn=knn, size=k, source=False)
        # For dot_product ES scores (1 + cosine) / 2; give back the cosine itself.
        return [(int(h["_id"]), 2.0 * float(h["_score"]) - 1.0) for h in response["hits"]["hits"]]

    def _bm25(self, text: str, k: int, conditions: list[dict]) -> list[tuple[int, float]]:
        words = query_words(text)
        if not words:
            return []
        # A match query never parses user text as syntax; words only, as in the FTS5 index.
        query = {"bool": {"must": {"multi_match": {
            "query": " ".join(words), "fields": [f"title^{TITLE_WEIGHT:g}", "body"],
            "type": "most_fields", "operator": "or"}}, "filter": conditions}}
        with _reported():
            response = self.client.search(index=self.index, query=query, size=k, source=False)
        return [(int(h["_id"]), float(h["_score"])) for h in response["hits"]["hits"]]


def _source(document: Document, vector: np.ndarray) -> dict:
    return {"job_id": document.id, "title": document.title, "body": document.body,
            "vector": vector.astype(float).tolist(), "corridor": document.corridor,
            "occupation_id": document.occupation_id,
            "organisation_id": document.organisation_id,
            "monthly_wage_usd": document.monthly_wage_usd,
            "organisation_tier": document.organisation_tier,
            "valid_through": (document.valid_through.isoformat()
                              if document.valid_through else None),
            "published": document.published}


def _filter_clauses(filters: SearchFilters) -> list[dict]:
    """The hard constraints as ES filter clauses (no scoring, cached by ES)."""
    clauses: list[dict] = []
    if filters.allowed_ids is not None:
        if len(filters.allowed_ids) > MAX_ALLOWED_IDS:
            raise ValueError(f"at most {MAX_ALLOWED_IDS} allowed ids; filter on fields instead")
        clauses.append({"terms": {"job_id": [int(i) for i in filters.allowed_ids]}})
    if filters.corridors:
        clauses.append({"terms": {"corridor": list(filters.corridors)}})
    for field, value in (("occupation_id", filters.occupation_id),
                         ("organisation_id", filters.organisation_id)):
        if value:
            clauses.append({"term": {field: value}})
    if filters.min_monthly_wage_usd is not None:
        clauses.append({"range": {"monthly_wage_usd": {"gte": filters.min_monthly_wage_usd}}})
    if filters.tiers:
        clauses.append({"terms": {"organisation_tier": list(filters.tiers)}})
    if filters.excluded_organisations:
        clauses.append({"bool": {"must_not": {"terms": {
            "organisation_id": list(filters.excluded_organisations)}}}})
    if filters.open_on:
        clauses.append({"term": {"published": True}})
        clauses.append({"range": {"valid_through": {"gte": filters.open_on.isoformat()}}})
    return clauses


class _reported:
    """Turns the client's transport and API errors into SearchBackendUnavailable."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, error, traceback) -> bool:
        if error is None:
            return False
        from elasticsearch import ApiError, TransportError
        from elasticsearch.helpers import BulkIndexError

        if isinstance(error, (ApiError, TransportError, BulkIndexError)):
            raise SearchBackendUnavailable(f"Elasticsearch: {error}") from error
        return False
