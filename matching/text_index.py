"""A BM25 keyword index on SQLite FTS5, in its own file beside the vector index.

User text never reaches FTS5 as syntax: it is split into words, each word is quoted,
and the words are OR-ed, so `"`, `AND`, `*` or `NEAR(` are searched as plain words.
"""
from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from matching.errors import IndexCorruptError

FILENAME = "text_index.sqlite"
SCHEMA_VERSION = 1
TOKENIZER = "porter unicode61 remove_diacritics 2"
TITLE_WEIGHT, BODY_WEIGHT = 2.0, 1.0  # a word in the title says more than one in the body
MAX_QUERY_WORDS = 32
# BM25 scores every document a query matches (1-3 µs each here); this bounds that work so a
# search stays within its latency budget (see _match_expression).
MAX_SCORED_DOCS = 5_000
STATS_MAX_AGE = 300.0  # seconds: how long changed term counts may lag behind the index
_WORD = re.compile(r"\w+", re.UNICODE)


class TextIndex:
    """Documents (id, title, body) searchable by BM25; thread-safe, one SQLite file."""

    def __init__(self, directory: str | Path, max_scored_docs: int = MAX_SCORED_DOCS) -> None:
        self.path = Path(directory) / FILENAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.max_scored_docs = max_scored_docs
        self._lock = threading.Lock()
        self._writes = 0
        self._stats: dict[str, tuple[int, int]] | None = None
        self._stats_at = 0.0
        self._stats_version: tuple[int, int] | None = None
        self._stats_docs = 0
        try:
            self._conn = sqlite3.connect(self.path, check_same_thread=False)
            self._prepare()
        except sqlite3.DatabaseError as exc:
            raise IndexCorruptError(str(self.path), f"unusable text index: {exc}") from exc

    def __repr__(self) -> str:
        return f"<TextIndex {self.path}>"

    def _prepare(self) -> None:
        conn = self._conn
        conn.execute("PRAGMA journal_mode=WAL")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        if version not in (0, SCHEMA_VERSION) or (version == 0 and tables):
            raise IndexCorruptError(str(self.path), f"schema version {version}, "
                                                    f"expected {SCHEMA_VERSION}")
        with conn:
            conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS docs USING fts5("
                         f"title, body, tokenize='{TOKENIZER}')")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        # The query's words go through the same tokenizer, to look up their document counts.
        conn.execute(f"CREATE VIRTUAL TABLE temp.query_words USING fts5("
                     f"word, tokenize='{TOKENIZER}')")
        conn.execute("CREATE VIRTUAL TABLE temp.query_terms "
                     "USING fts5vocab(temp, query_words, 'instance')")
        conn.execute("CREATE VIRTUAL TABLE temp.term_columns USING fts5vocab(main, docs, 'col')")

    def __len__(self) -> int:
        with self._lock:
            return self._count()

    def _count(self) -> int:
        # The size table has one row per document and counts in O(1); count(*) on the
        # FTS5 table itself reads every row.
        return self._conn.execute("SELECT count(*) FROM docs_docsize").fetchone()[0]

    def upsert(self, docs: Iterable[tuple[int, str, str]]) -> None:
        """Add documents (id, title, body), replacing any with the same id."""
        rows = [(int(i), str(title), str(body)) for i, title, body in docs]
        with self._lock, self._conn:
            self._writes += 1
            self._conn.executemany("DELETE FROM docs WHERE rowid = ?", [(r[0],) for r in rows])
            self._conn.executemany("INSERT INTO docs (rowid, title, body) VALUES (?, ?, ?)",
                                   rows)

    def remove(self, ids: Iterable[int]) -> int:
        """Remove documents by id (absent ids are ignored); returns how many were removed."""
        with self._lock, self._conn:
            self._writes += 1
            cursor = self._conn.executemany("DELETE FROM docs WHERE rowid = ?",
                                            [(int(i),) for i in ids])
            return max(cursor.rowcount, 0)

    def clear(self) -> None:
        """Remove every document (before a full rebuild)."""
        with self._lock, self._conn:
            self._writes += 1
            self._conn.execute("DELETE FROM docs")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def search(self, query: str, limit: int = 100,
               allowed_ids: Iterable[int] | None = None) -> list[tuple[int, float]]:
        """The best `limit` documents as (id, score), best first; score = -bm25 (> 0).

        Any string is safe. A query with no searchable word gives no results.
        `allowed_ids` restricts the results to those ids (hard constraints).
        """
        words = query_words(query)
        if not words or limit <= 0:
            return []
        with self._lock:
            match = self._match_expression(words)
            if not match:
                return []
            if allowed_ids is None:
                return self._ranked(match, limit)
            allowed = np.asarray(allowed_ids if isinstance(allowed_ids, np.ndarray)
                                 else list(allowed_ids), dtype=np.int64)
            # Rank a window large enough for the allowed share to fill `limit`; rank every
            # match only when the window was too small (the match set is bounded anyway).
            window = limit * max(1, self._count() // max(len(allowed), 1)) * 2
            for size in (window, None):
                rows = self._ranked(match, size)
                ids = np.fromiter((i for i, _ in rows), np.int64, len(rows))
                kept = [row for row, ok in zip(rows, np.isin(ids, allowed)) if ok]
                if len(kept) >= limit or size is None or len(rows) < size:
                    return kept[:limit]
        return []

    def _ranked(self, match: str, limit: int | None) -> list[tuple[int, float]]:
        rows = self._conn.execute(
            "SELECT rowid, bm25(docs, ?, ?) AS score FROM docs WHERE docs MATCH ? "
            "ORDER BY score LIMIT ?", (TITLE_WEIGHT, BODY_WEIGHT, match, limit or -1))
        return [(int(rowid), -float(score)) for rowid, score in rows]

    def _match_expression(self, words: list[str]) -> str:
        """An FTS5 expression OR-ing the quoted words, within the scoring budget.

        BM25 costs time for every matching document, and a word found in many documents
        adds little to the ranking (its IDF is low). So, rarest word first, a word is
        searched everywhere while the documents it can match fit in `max_scored_docs`,
        else in titles only if those fit, else not at all. The vector side of a hybrid
        search still reads the whole query.
        """
        stats, spent, parts = self._term_stats(), 0, []
        counts = [self._word_counts(terms, stats) for terms in self._word_terms(words)]
        for anywhere, in_title, word in sorted((a, t, w) for (a, t), w in zip(counts, words)):
            if spent + anywhere <= self.max_scored_docs:
                parts.append(f'"{word}"')
                spent += anywhere
            elif spent + in_title <= self.max_scored_docs:
                parts.append(f'{{title}} : "{word}"')
                spent += in_title
        return " OR ".join(parts)

    def _word_terms(self, words: list[str]) -> list[list[str]]:
        """Each word's index terms, through the index's own tokenizer (stemmed, folded)."""
        conn = self._conn
        conn.execute("DELETE FROM temp.query_words")
        conn.executemany("INSERT INTO temp.query_words (rowid, word) VALUES (?, ?)",
                         enumerate(words))
        terms: list[list[str]] = [[] for _ in words]
        for position, term in conn.execute("SELECT doc, term FROM temp.query_terms"):
            terms[position].append(term)
        return terms

    @staticmethod
    def _word_counts(terms: list[str], stats: dict[str, tuple[int, int]]) -> tuple[int, int]:
        """(documents, titles) a word can match at most; a word of several terms is a
        phrase, so its rarest term bounds it. A word with no term matches nothing."""
        if not terms:
            return (0, 0)
        counts = [stats.get(term, (0, 0)) for term in terms]
        return (min(c[0] for c in counts), min(c[1] for c in counts))

    def _term_stats(self) -> dict[str, tuple[int, int]]:
        """term -> (documents with it anywhere, at most; documents with it in the title).

        Counting reads the whole index, so the counts are cached and re-read only when the
        index has changed (here or in another process) and they are STATS_MAX_AGE old, or
        the number of documents has changed by more than a tenth (a bulk load).
        They steer which words are searched where, never which documents exist.
        """
        version = (self._conn.execute("PRAGMA data_version").fetchone()[0], self._writes)
        old = self._stats is None or (version != self._stats_version and (
            time.monotonic() - self._stats_at > STATS_MAX_AGE
            or abs(self._count() - self._stats_docs) > self._stats_docs // 10))
        if old:
            stats: dict[str, tuple[int, int]] = {}
            for term, column, docs in self._conn.execute(
                    "SELECT term, col, doc FROM temp.term_columns"):
                anywhere, in_title = stats.get(term, (0, 0))
                stats[term] = (anywhere + docs, in_title + (docs if column == "title" else 0))
            self._stats, self._stats_at, self._stats_version = stats, time.monotonic(), version
            self._stats_docs = self._count()
        return self._stats


def query_words(text: str) -> list[str]:
    """The words of a user query (letters and digits in any script), at most MAX_QUERY_WORDS.

    Only \\w runs survive, so no quote, bracket, star or column filter can reach FTS5;
    operator words (AND, OR, NOT, NEAR) are quoted later and so searched as plain words.
    """
    if not isinstance(text, str):
        return []
    return list(dict.fromkeys(m.group(0) for m in _WORD.finditer(text)))[:MAX_QUERY_WORDS]


