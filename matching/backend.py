"""The embedded search backend: BM25 (SQLite FTS5) + vectors (NumPy), kept under one folder.

Pure core: no Flask, no database. Several processes (gunicorn workers) may share the
folder: each keeps the vectors in memory, and every change is also written to a small
journal that the others replay before they search, so that a job published through one
worker is found through every worker at once.
"""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from matching.encoder import Encoder
from matching.errors import IndexUnusableError
from matching.hybrid import FusionWeights, SearchResult, hybrid_search
from matching.text_index import TextIndex
from matching.vector_index import VectorIndex

JOURNAL = "journal.sqlite"
VECTORS_DIR = "vectors"
TEXT_DIR = "text"


@dataclass(frozen=True)
class Document:
    """One searchable job: its id, the keyword fields, and the text that is embedded."""

    id: int
    title: str
    body: str
    embed_text: str


class EmbeddedBackend:
    """Hybrid search over a folder; see the module docstring."""

    def __init__(self, directory: str | Path, encoder: Encoder) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.encoder = encoder
        self.texts = TextIndex(self.directory / TEXT_DIR)
        self._journal = sqlite3.connect(self.directory / JOURNAL, check_same_thread=False)
        self._journal.execute("PRAGMA journal_mode=WAL")
        self._journal.execute("CREATE TABLE IF NOT EXISTS changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, "
                              "job_id INTEGER NOT NULL, vector BLOB)")
        self._lock = threading.RLock()
        self.rebuilt_reason: str | None = None
        self.vectors, self._seq = self._load_vectors()

    def _load_vectors(self) -> tuple[VectorIndex, int]:
        """The saved vectors, or an empty index (reason kept) when they cannot be trusted."""
        try:
            index = VectorIndex.load(self.directory / VECTORS_DIR, self.encoder.name,
                                     self.encoder.dim)
            seq = int((self.directory / VECTORS_DIR / "journal_seq").read_text())
            return index, seq
        except (IndexUnusableError, OSError, ValueError) as error:
            self.rebuilt_reason = str(error)
            return VectorIndex(self.encoder.dim, self.encoder.name), 0

    def upsert(self, documents: Sequence[Document]) -> None:
        if not documents:
            return
        vectors = self.encoder.encode([d.embed_text for d in documents])
        with self._lock:
            self.sync()
            self.vectors.upsert([d.id for d in documents], vectors)
            self.texts.upsert((d.id, d.title, d.body) for d in documents)
            self._write_journal([(d.id, v.tobytes()) for d, v in zip(documents, vectors)])

    def remove(self, ids: Iterable[int]) -> None:
        ids = [int(i) for i in ids]
        with self._lock:
            self.sync()
            self.vectors.remove(ids)
            self.texts.remove(ids)
            self._write_journal([(i, None) for i in ids])

    def _write_journal(self, rows: list[tuple[int, bytes | None]]) -> None:
        with self._journal:
            cursor = self._journal.executemany(
                "INSERT INTO changes (job_id, vector) VALUES (?, ?)", rows)
        self._seq = max(self._seq, cursor.lastrowid or self._seq)

    def sync(self) -> None:
        """Replay the changes other processes made since this one last looked."""
        with self._lock:
            rows = self._journal.execute("SELECT seq, job_id, vector FROM changes WHERE seq > ? "
                                         "ORDER BY seq", (self._seq,)).fetchall()
            for seq, job_id, blob in rows:
                if blob is None:
                    self.vectors.remove([job_id])
                else:
                    self.vectors.upsert([job_id], np.frombuffer(blob, dtype=np.float32)[None].copy())
                self._seq = seq

    def missing(self, ids: np.ndarray) -> np.ndarray:
        """Which of `ids` have no vector yet (to be indexed before searching)."""
        self.sync()
        return ids[~np.isin(ids, self.vectors.ids)]

    def search(self, query: object, allowed_ids: np.ndarray, k: int,
               weights: FusionWeights) -> SearchResult:
        return hybrid_search(query, encoder=self.encoder, vectors=self.vectors,
                             texts=self.texts, k=k, allowed_ids=allowed_ids, weights=weights)

    def nearest(self, vector: np.ndarray, allowed_ids: np.ndarray, k: int
                ) -> list[tuple[int, float]]:
        self.sync()
        return self.vectors.search(vector, k, allowed_ids)

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
            self.save()

    def close(self) -> None:
        self.texts.close()
        self._journal.close()
