"""An in-process vector index: normalised float32 rows searched by brute-force dot product.

Rows are kept contiguous (a removed row is replaced by the last one), so one search is one
matrix-vector product. Saved as vectors.npy + ids.npy + meta.json; loading checks the model,
dimension, count and a SHA-256 checksum, and raises rather than search a wrong index.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from matching.encoder import normalise_rows
from matching.errors import IndexCorruptError, IndexMissingError, IndexModelMismatchError

FORMAT_VERSION = 1
VECTORS_FILE, IDS_FILE, META_FILE = "vectors.npy", "ids.npy", "meta.json"
# Ids up to this bound are filtered with a boolean lookup table (O(n)); larger ones with np.isin.
_LOOKUP_TABLE_MAX_ID = 50_000_000
# Score matrices of batch search are kept under this many floats per block (~64 MB).
_BLOCK_FLOATS = 16_000_000
_CHUNK = 128  # columns per chunk when pre-selecting top-k candidates (see _candidate_columns)


_Method = TypeVar("_Method", bound=Callable[..., Any])


def _locked(method: _Method) -> _Method:
    """Run a method under the index's lock."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)
    return wrapper  # type: ignore[return-value]


class VectorIndex:
    """Integer ids → unit vectors of one embedding model; top-k by cosine similarity."""

    def __init__(self, dim: int, model_name: str, capacity: int = 1024) -> None:
        if dim <= 0:
            raise ValueError("dim must be positive")
        self.dim = dim
        self.model_name = model_name
        self._vectors = np.zeros((max(capacity, 1), dim), dtype=np.float32)
        self._ids = np.zeros(max(capacity, 1), dtype=np.int64)
        self._row: dict[int, int] = {}
        self._n = 0
        # Writers may reallocate the arrays; readers must not see half of a change.
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"<VectorIndex {self.model_name!r} dim={self.dim} n={self._n}>"

    def __len__(self) -> int:
        return self._n

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._row

    @property
    def ids(self) -> np.ndarray:
        """The stored ids (a copy), in row order."""
        with self._lock:
            return self._ids[:self._n].copy()

    @_locked
    def vector(self, item_id: int) -> np.ndarray:
        """The stored vector of one id (a copy); KeyError if absent."""
        return self._vectors[self._row[int(item_id)]].copy()

    @_locked
    def upsert(self, ids: Iterable[int], vectors: np.ndarray) -> None:
        """Add these ids, or replace the vectors of those already present."""
        ids = _as_ids(ids)
        vectors = self._as_vectors(vectors, len(ids))
        if len(np.unique(ids)) != len(ids):
            raise ValueError("the same id appears twice in one upsert")
        rows = np.fromiter((self._row.get(i, -1) for i in ids.tolist()), np.int64, len(ids))
        known = rows >= 0
        self._vectors[rows[known]] = vectors[known]
        fresh_ids, fresh = ids[~known], vectors[~known]
        start, end = self._n, self._n + len(fresh_ids)
        self._reserve(end)
        self._vectors[start:end] = fresh
        self._ids[start:end] = fresh_ids
        self._row.update(zip(fresh_ids.tolist(), range(start, end)))
        self._n = end

    @_locked
    def remove(self, ids: Iterable[int]) -> int:
        """Remove these ids (absent ones are ignored); returns how many were removed."""
        removed = 0
        for item_id in _as_ids(ids).tolist():
            row = self._row.pop(item_id, None)
            if row is None:
                continue
            last = self._n - 1
            if row != last:  # keep rows contiguous: move the last row into the hole
                moved = int(self._ids[last])
                self._vectors[row] = self._vectors[last]
                self._ids[row] = moved
                self._row[moved] = row
            self._n = last
            removed += 1
        return removed

    @_locked
    def search(self, query: np.ndarray, k: int = 10,
               allowed_ids: Iterable[int] | None = None) -> list[tuple[int, float]]:
        """The `k` nearest ids to one query vector, best first, as (id, cosine similarity).

        `allowed_ids` restricts the search to those ids (hard constraints applied first).
        """
        query = self._as_vectors(np.asarray(query).reshape(1, -1), 1)[0]
        rows = self._allowed_rows(allowed_ids)
        if rows is None:
            scores = self._vectors[:self._n] @ query
        elif len(rows) * 4 < self._n:  # few allowed rows: gathering them is cheaper
            scores = self._vectors[rows] @ query
        else:
            scores = (self._vectors[:self._n] @ query)[rows]
        top = _top_k(scores[None, :], k)[0]
        row_ids = self._ids[:self._n] if rows is None else self._ids[rows]
        return [(int(row_ids[i]), float(scores[i])) for i in top]

    @_locked
    def search_many(self, queries: np.ndarray, k: int = 10,
                    allowed_ids: Iterable[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-`k` for many queries at once: (ids, scores), each of shape (m, min(k, n)).

        Queries are processed in blocks (matrix product + argpartition) so that the score
        matrix stays small. `allowed_ids` applies to every query; group queries that share
        hard constraints (e.g. by corridor) and call once per group.
        """
        queries = self._as_vectors(queries, len(queries))
        rows = self._allowed_rows(allowed_ids)
        matrix = self._vectors[:self._n] if rows is None else self._vectors[rows]
        row_ids = self._ids[:self._n] if rows is None else self._ids[rows]
        width = min(k, len(row_ids))
        out_ids = np.empty((len(queries), width), dtype=np.int64)
        out_scores = np.empty((len(queries), width), dtype=np.float32)
        block = max(1, _BLOCK_FLOATS // max(len(row_ids), 1))
        for start in range(0, len(queries), block):
            scores = queries[start:start + block] @ matrix.T
            top = _top_k(scores, width)
            out_ids[start:start + block] = row_ids[top]
            out_scores[start:start + block] = np.take_along_axis(scores, top, axis=1)
        return out_ids, out_scores

    def _allowed_rows(self, allowed_ids: Iterable[int] | None) -> np.ndarray | None:
        if allowed_ids is None:
            return None
        allowed = _as_ids(allowed_ids)
        ids = self._ids[:self._n]
        if len(allowed) == 0 or self._n == 0:
            return np.empty(0, dtype=np.int64)
        top = int(max(ids.max(), allowed.max()))
        if allowed.min() >= 0 and ids.min() >= 0 and top <= _LOOKUP_TABLE_MAX_ID:
            table = np.zeros(top + 1, dtype=bool)
            table[allowed] = True
            return np.flatnonzero(table[ids])
        return np.flatnonzero(np.isin(ids, allowed))

    def _as_vectors(self, vectors: np.ndarray, count: int) -> np.ndarray:
        vectors = np.asarray(vectors)
        if vectors.ndim != 2 or vectors.shape != (count, self.dim):
            raise ValueError(f"expected vectors of shape ({count}, {self.dim}), "
                             f"got {vectors.shape}")
        if not np.isfinite(vectors).all():
            raise ValueError("vectors contain NaN or infinity")
        return normalise_rows(vectors)

    def _reserve(self, size: int) -> None:
        if size <= len(self._ids):
            return
        capacity = max(size, 2 * len(self._ids))
        vectors = np.zeros((capacity, self.dim), dtype=np.float32)
        vectors[:self._n] = self._vectors[:self._n]
        ids = np.zeros(capacity, dtype=np.int64)
        ids[:self._n] = self._ids[:self._n]
        self._vectors, self._ids = vectors, ids

    @_locked
    def save(self, directory: str | Path) -> None:
        """Write the index to `directory`; meta.json (with the checksum) is written last."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        vectors, ids = self._vectors[:self._n], self._ids[:self._n]
        meta = {"format": FORMAT_VERSION, "model": self.model_name, "dim": self.dim,
                "count": self._n, "sha256": _checksum(vectors, ids)}
        _write_atomic(directory / VECTORS_FILE, lambda fh: np.save(fh, vectors))
        _write_atomic(directory / IDS_FILE, lambda fh: np.save(fh, ids))
        _write_atomic(directory / META_FILE, lambda fh: fh.write(json.dumps(meta).encode()))

    @classmethod
    def load(cls, directory: str | Path, model_name: str, dim: int) -> VectorIndex:
        """The index saved in `directory`, checked against the model that will query it.

        Raises IndexMissingError, IndexModelMismatchError or IndexCorruptError: the caller
        rebuilds the index instead of returning results from vectors it cannot trust.
        """
        directory = Path(directory)
        meta = read_meta(directory)
        if meta.get("model") != model_name or meta.get("dim") != dim:
            raise IndexModelMismatchError(
                str(directory), f"built with {meta.get('model')!r} (dim {meta.get('dim')}), "
                                f"expected {model_name!r} (dim {dim})")
        try:
            vectors = np.load(directory / VECTORS_FILE, allow_pickle=False)
            ids = np.load(directory / IDS_FILE, allow_pickle=False)
        except (OSError, ValueError, EOFError) as exc:
            raise IndexCorruptError(str(directory), f"cannot read the arrays: {exc}") from exc
        _check_arrays(str(directory), meta, vectors, ids)
        index = cls(dim, model_name, capacity=len(ids))
        index._vectors[:len(ids)] = vectors
        index._ids[:len(ids)] = ids
        index._row = dict(zip(ids.tolist(), range(len(ids))))
        index._n = len(ids)
        return index


def read_meta(directory: str | Path) -> dict:
    """The metadata of a saved index (model, dim, count, checksum), without loading vectors."""
    path = Path(directory) / META_FILE
    if not path.exists():
        raise IndexMissingError(str(directory), "no vector index has been saved here")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(str(directory), f"unreadable {META_FILE}: {exc}") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_VERSION:
        raise IndexCorruptError(str(directory), f"{META_FILE} is not format {FORMAT_VERSION}")
    return meta


def _check_arrays(where: str, meta: dict, vectors: np.ndarray, ids: np.ndarray) -> None:
    count, dim = meta.get("count"), meta.get("dim")
    if vectors.dtype != np.float32 or vectors.shape != (count, dim):
        raise IndexCorruptError(where, f"vectors are {vectors.dtype} {vectors.shape}, "
                                       f"meta says float32 ({count}, {dim})")
    if ids.dtype != np.int64 or ids.shape != (count,):
        raise IndexCorruptError(where, f"ids are {ids.dtype} {ids.shape}, meta says ({count},)")
    if _checksum(vectors, ids) != meta.get("sha256"):
        raise IndexCorruptError(where, "checksum mismatch: the files changed after saving")
    if len(np.unique(ids)) != count:
        raise IndexCorruptError(where, "duplicate ids")


def _checksum(vectors: np.ndarray, ids: np.ndarray) -> str:
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(vectors).data)
    digest.update(np.ascontiguousarray(ids).data)
    return digest.hexdigest()


def _write_atomic(path: Path, write) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        write(fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _as_ids(ids: Iterable[int]) -> np.ndarray:
    array = np.asarray(ids if isinstance(ids, np.ndarray) else list(ids))
    if array.size == 0:
        return np.empty(0, dtype=np.int64)
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer):
        raise ValueError("ids must be a flat sequence of integers")
    return array.astype(np.int64, copy=False)


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Column indices of each row's `k` largest scores, best first."""
    m, n = scores.shape
    k = max(0, min(k, n))
    if k == 0:
        return np.empty((m, 0), dtype=np.int64)
    columns = _candidate_columns(scores, k)
    if columns is None:
        part = np.argpartition(scores, n - k, axis=1)[:, n - k:] if k < n else \
            np.broadcast_to(np.arange(n), (m, n)).copy()
    else:
        picked = np.take_along_axis(scores, columns, axis=1)
        part = np.take_along_axis(
            columns, np.argpartition(picked, picked.shape[1] - k, axis=1)[:, -k:], axis=1)
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def _candidate_columns(scores: np.ndarray, k: int) -> np.ndarray | None:
    """The columns that can hold each row's top `k`, or None to look at all of them.

    Columns are cut into chunks of _CHUNK; the top k scores lie in the k chunks with the
    highest maxima (k chunk maxima are k scores at least as high as anything outside those
    chunks). A max per chunk is far cheaper than partitioning every score.
    """
    m, n = scores.shape
    chunks = n // _CHUNK
    if chunks <= 4 * k:
        return None
    whole = chunks * _CHUNK
    maxima = scores[:, :whole].reshape(m, chunks, _CHUNK).max(axis=2)
    best = np.argpartition(maxima, chunks - k, axis=1)[:, chunks - k:]
    columns = (best[:, :, None] * _CHUNK + np.arange(_CHUNK)).reshape(m, k * _CHUNK)
    if whole < n:  # the last, partial chunk is always a candidate
        rest = np.broadcast_to(np.arange(whole, n), (m, n - whole))
        columns = np.concatenate([columns, rest], axis=1)
    return columns
