"""The search-backend interface, and the embedded backend: BM25 (SQLite FTS5) + vectors
(NumPy), kept under one folder.

Pure core: no Flask, no database. Several processes (gunicorn workers) may share the
folder: each keeps the vectors in memory, and every change is also written to a small
journal that the others replay before they search, so that a job published through one
worker is found through every worker at once. The Elasticsearch backend is in
matching/elastic.py; tests/test_search_contract.py holds both to one contract.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from matching.encoder import Encoder
from matching.errors import IndexModelMismatchError, IndexUnusableError
from matching.hybrid import FusionWeights, SearchResult, hybrid_search
from matching.text_index import TextIndex
from matching.vector_index import VectorIndex

JOURNAL = "journal.sqlite"
VECTORS_DIR = "vectors"
TEXT_DIR = "text"


@dataclass(frozen=True)
class Document:
    """One searchable job: its id, the keyword fields, the text that is embedded, and the
    fields that search filters on (None: unknown, and so never passes that filter)."""

    id: int
    title: str
    body: str
    embed_text: str
    corridor: str | None = None  # corridor code, e.g. "NP-QA"
    occupation_id: int | None = None
    organisation_id: int | None = None
    monthly_wage_usd: float | None = None
    organisation_tier: str | None = None
    valid_through: dt.date | None = None
    published: bool = True


@dataclass(frozen=True)
class SearchFilters:
    """Hard constraints a search must honour; a field left empty does not filter.

    `allowed_ids` are ids that passed constraints checked elsewhere (the embedded backend is
    given those the database allows: cheap in-process, and always current). The other fields
    are checked against the documents' own fields (what Elasticsearch does): `tiers` lists
    the organisation tiers shown, so leaving out "suspended" hides suspended organisations;
    `excluded_organisations` hides those organisations' postings (a tier changes without any
    posting being saved, so the service names them from the database instead of trusting
    the indexed tier); `open_on` keeps published postings still valid on that day.
    """

    allowed_ids: np.ndarray | None = None
    corridors: tuple[str, ...] = ()
    occupation_id: int | None = None
    organisation_id: int | None = None
    min_monthly_wage_usd: float | None = None
    tiers: tuple[str, ...] = ()
    excluded_organisations: tuple[int, ...] = ()
    open_on: dt.date | None = None

    @property
    def on_fields(self) -> bool:
        """Whether any constraint is on the documents' own fields."""
        return bool(self.corridors or self.occupation_id or self.organisation_id
                    or self.min_monthly_wage_usd is not None or self.tiers or self.open_on
                    or self.excluded_organisations)


NO_FILTERS = SearchFilters()


@runtime_checkable
class SearchBackend(Protocol):
    """What the service layer needs from a search backend (embedded or Elasticsearch).

    Changes are visible to the next search in any process. Opening a backend checks what
    is stored against the encoder: data it cannot trust (another model or dimension,
    missing or torn files) is dropped and `rebuilt_reason` says why, so the caller indexes
    again instead of searching wrong or empty data.
    """

    encoder: Encoder
    rebuilt_reason: str | None
    # True: the caller passes the ids the database allows (SearchFilters.allowed_ids) and
    # indexes those the backend reports missing; False: the backend filters on fields.
    wants_allowed_ids: bool

    def upsert(self, documents: Sequence[Document], *, visible_now: bool = True) -> None:
        """Add documents or replace those with the same id (a bulk load may pass
        visible_now=False and call save() at the end)."""

    def remove(self, ids: Iterable[int]) -> None:
        """Remove documents by id; absent ids are ignored."""

    def missing(self, ids: np.ndarray) -> np.ndarray:
        """Which of `ids` are not indexed."""

    def count(self) -> int:
        """How many documents are indexed."""

    def search(self, query: object, k: int, weights: FusionWeights,
               filters: SearchFilters = NO_FILTERS) -> SearchResult:
        """The `k` best documents for a user's query (BM25 and kNN fused by RRF).
        Raises QueryError for a query that cannot be searched."""

    def nearest(self, vector: np.ndarray, k: int,
                filters: SearchFilters = NO_FILTERS) -> list[tuple[int, float]]:
        """The `k` documents nearest to a vector, as (id, cosine similarity)."""

    def clear(self) -> None:
        """Remove every document, ready for a full reindex with this encoder."""

    def save(self) -> None:
        """Make everything written so far durable and visible."""

    def close(self) -> None: ...


class EmbeddedBackend:
    """Hybrid search over a folder; see the module docstring."""

    wants_allowed_ids = True

    def __init__(self, directory: str | Path, encoder: Encoder) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.encoder = encoder
        self.texts = TextIndex(self.directory / TEXT_DIR)
        self._journal = sqlite3.connect(self.directory / JOURNAL, check_same_thread=False)
        self._journal.execute("PRAGMA journal_mode=WAL")
        with self._journal:
            self._journal.execute("CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY "
                                  "AUTOINCREMENT, job_id INTEGER NOT NULL, vector BLOB)")
            self._journal.execute(
                "CREATE TABLE IF NOT EXISTS facets (job_id INTEGER PRIMARY KEY, corridor TEXT, "
                "occupation_id INTEGER, organisation_id INTEGER, wage_usd REAL, tier TEXT, "
                "valid_through TEXT, published INTEGER NOT NULL)")
        self._lock = threading.RLock()
        self.rebuilt_reason: str | None = None
        self.vectors, self._seq = self._load_vectors()

    def _load_vectors(self) -> tuple[VectorIndex, int]:
        """The saved vectors with the journal replayed, or an empty index (reason kept) when
        they cannot be trusted; `missing()` then reports every document, to be indexed again.

        Vectors and keywords must hold the same documents: if the keyword file was lost,
        the vectors are dropped too, so that nothing is found by one side only.
        """
        try:
            index = VectorIndex.load(self.directory / VECTORS_DIR, self.encoder.name,
                                     self.encoder.dim)
            seq = int((self.directory / VECTORS_DIR / "journal_seq").read_text())
        except IndexModelMismatchError as error:  # the journal holds that model's vectors too
            self.rebuilt_reason = str(error)
            return VectorIndex(self.encoder.dim, self.encoder.name), self._last_seq()
        except (IndexUnusableError, OSError, ValueError) as error:
            # Not saved yet, or unusable: the journal since the last clear holds every change.
            self.rebuilt_reason = str(error)
            index, seq = VectorIndex(self.encoder.dim, self.encoder.name), 0
        try:
            self._replay(index, seq)
            if len(index) == len(self.texts):
                self.rebuilt_reason = None  # the journal held every change: nothing lost
                return index, self._seq
            self.rebuilt_reason = (f"{len(index)} vectors but {len(self.texts)} "
                                   f"keyword documents")
        except IndexModelMismatchError as error:
            self.rebuilt_reason = str(error)
        return VectorIndex(self.encoder.dim, self.encoder.name), self._last_seq()

    def _last_seq(self) -> int:
        return self._journal.execute("SELECT coalesce(max(seq), 0) FROM changes").fetchone()[0]

    def upsert(self, documents: Sequence[Document], *, visible_now: bool = True) -> None:
        if not documents:
            return
        vectors = self.encoder.encode([d.embed_text for d in documents])
        with self._lock:
            self.sync()
            self.vectors.upsert([d.id for d in documents], vectors)
            self.texts.upsert((d.id, d.title, d.body) for d in documents)
            self._write_journal([(d.id, v.tobytes()) for d, v in zip(documents, vectors)],
                                [_facet_row(d) for d in documents])

    def remove(self, ids: Iterable[int]) -> None:
        ids = [int(i) for i in ids]
        with self._lock:
            self.sync()
            self.vectors.remove(ids)
            self.texts.remove(ids)
            self._write_journal([(i, None) for i in ids], [])
            with self._journal:
                self._journal.executemany("DELETE FROM facets WHERE job_id = ?",
                                          [(i,) for i in ids])

    def _write_journal(self, rows: list[tuple[int, bytes | None]], facets: list[tuple]) -> None:
        with self._journal:
            cursor = self._journal.executemany(
                "INSERT INTO changes (job_id, vector) VALUES (?, ?)", rows)
            self._journal.executemany(
                "INSERT OR REPLACE INTO facets VALUES (?, ?, ?, ?, ?, ?, ?, ?)", facets)
        self._seq = max(self._seq, cursor.lastrowid or self._seq)

    def sync(self) -> None:
        """Replay the changes other processes made since this one last looked."""
        with self._lock:
            self._replay(self.vectors, self._seq)

    def _replay(self, vectors: VectorIndex, since: int) -> None:
        self._seq = since
        rows = self._journal.execute("SELECT seq, job_id, vector FROM changes WHERE seq > ? "
                                     "ORDER BY seq", (since,)).fetchall()
        for seq, job_id, blob in rows:
            if blob is None:
                vectors.remove([job_id])
            elif len(blob) != 4 * vectors.dim:  # written with another model: cannot be used
                raise IndexModelMismatchError(JOURNAL, f"a {len(blob) // 4}-dimension vector")
            else:
                vectors.upsert([job_id], np.frombuffer(blob, dtype=np.float32)[None].copy())
            self._seq = seq

    def missing(self, ids: np.ndarray) -> np.ndarray:
        """Which of `ids` have no vector yet (to be indexed before searching)."""
        self.sync()
        return ids[~np.isin(ids, self.vectors.ids)]

    def count(self) -> int:
        self.sync()
        return len(self.vectors)

    def search(self, query: object, k: int, weights: FusionWeights,
               filters: SearchFilters = NO_FILTERS) -> SearchResult:
        self.sync()
        return hybrid_search(query, encoder=self.encoder, vectors=self.vectors,
                             texts=self.texts, k=k, allowed_ids=self._allowed(filters),
                             weights=weights)

    def nearest(self, vector: np.ndarray, k: int,
                filters: SearchFilters = NO_FILTERS) -> list[tuple[int, float]]:
        self.sync()
        return self.vectors.search(vector, k, self._allowed(filters))

    def _allowed(self, filters: SearchFilters) -> np.ndarray | None:
        """The ids a search may return, or None for all of them."""
        allowed = filters.allowed_ids
        if not filters.on_fields:
            return allowed
        where, params = _facet_conditions(filters)
        ids = np.fromiter((row[0] for row in self._journal.execute(
            f"SELECT job_id FROM facets WHERE {where}", params)), np.int64)
        return ids if allowed is None else np.intersect1d(ids, allowed)

    def save(self) -> None:
        """Persist the vectors with the journal position they include."""
        with self._lock:
            self.sync()
            self.vectors.save(self.directory / VECTORS_DIR)
            (self.directory / VECTORS_DIR / "journal_seq").write_text(str(self._seq))

    def clear(self) -> None:
        with self._lock:
            self.vectors = VectorIndex(self.encoder.dim, self.encoder.name)
            self.texts.clear()
            with self._journal:  # AUTOINCREMENT: sequence numbers never go back
                self._journal.execute("DELETE FROM changes")
                self._journal.execute("DELETE FROM facets")
            self.save()

    def close(self) -> None:
        self.texts.close()
        self._journal.close()


def _facet_row(d: Document) -> tuple:
    return (d.id, d.corridor, d.occupation_id, d.organisation_id, d.monthly_wage_usd,
            d.organisation_tier, d.valid_through.isoformat() if d.valid_through else None,
            int(d.published))


def _facet_conditions(filters: SearchFilters) -> tuple[str, list]:
    """A WHERE clause on the facets table for the field constraints of `filters`."""
    parts, params = ["1"], []
    if filters.corridors:
        parts.append(f"corridor IN ({','.join('?' * len(filters.corridors))})")
        params += filters.corridors
    for column, value in (("occupation_id", filters.occupation_id),
                          ("organisation_id", filters.organisation_id)):
        if value:
            parts.append(f"{column} = ?")
            params.append(value)
    if filters.min_monthly_wage_usd is not None:
        parts.append("wage_usd >= ?")
        params.append(filters.min_monthly_wage_usd)
    if filters.tiers:
        parts.append(f"tier IN ({','.join('?' * len(filters.tiers))})")
        params += filters.tiers
    if filters.excluded_organisations:
        marks = ",".join("?" * len(filters.excluded_organisations))
        parts.append(f"(organisation_id IS NULL OR organisation_id NOT IN ({marks}))")
        params += filters.excluded_organisations
    if filters.open_on:
        parts.append("published = 1 AND valid_through >= ?")
        params.append(filters.open_on.isoformat())
    return " AND ".join(parts), params
