"""Micro-batching of search queries: queries that arrive while the model is busy are
embedded together in its next call, which costs far less per query than one call each.

Pure core: no Flask, no database. No timer holds a query back: a query that finds the model
idle is embedded at once, alone; batches form only from queries that would have waited
anyway. Each waiting thread embeds at most one batch, its own among them, and then hands
the next batch to the oldest query still waiting, so no request serves the others for long.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import numpy as np

WAITING, LEADING, DONE = "waiting", "leading", "done"


class _Ticket:
    """One query on its way through the batcher."""

    __slots__ = ("text", "state", "vector", "error", "wake")

    def __init__(self, text: str) -> None:
        self.text = text
        self.state = WAITING
        self.vector: np.ndarray | None = None
        self.error: BaseException | None = None
        self.wake = threading.Event()


class QueryBatcher:
    """Embeds single texts from many threads, combining those that wait into one call.

    `embed` takes a list of texts and returns one row per text; it is only ever called from
    one thread at a time.
    """

    def __init__(self, embed: Callable[[Sequence[str]], Sequence[np.ndarray]],
                 max_batch: int = 16) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._embed = embed
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._pending: list[_Ticket] = []
        self._busy = False  # a thread is embedding, or about to: new tickets wait
        self.calls = 0  # how many times `embed` ran
        self.largest = 0  # the largest batch so far

    @property
    def waiting(self) -> int:
        """How many texts wait for the model now."""
        with self._lock:
            return len(self._pending)

    def encode(self, text: str) -> np.ndarray:
        """The vector of one text."""
        ticket = _Ticket(text)
        with self._lock:
            self._pending.append(ticket)
            leading, self._busy = not self._busy, True
        if not leading:
            ticket.wake.wait()
        if ticket.state == LEADING or leading:
            self._run_batch()  # this ticket is the oldest pending one, so it is in the batch
        if ticket.error is not None:
            raise ticket.error
        return ticket.vector

    def _run_batch(self) -> None:
        with self._lock:
            batch = self._pending[:self.max_batch]
            del self._pending[:self.max_batch]
        try:
            vectors = self._embed([t.text for t in batch])
            error = None
        except BaseException as problem:  # every query of the batch hears of it
            vectors, error = None, problem
        with self._lock:
            self.calls += 1
            self.largest = max(self.largest, len(batch))
            for row, ticket in enumerate(batch):
                ticket.vector = None if vectors is None else vectors[row]
                ticket.error, ticket.state = error, DONE
                ticket.wake.set()
            if self._pending:  # the oldest waiting query embeds the next batch
                self._pending[0].state = LEADING
                self._pending[0].wake.set()
            else:
                self._busy = False
