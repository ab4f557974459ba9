"""Errors of the matching core; the service layer turns them into messages or a reindex."""
from __future__ import annotations


class MatchingError(Exception):
    """Base class of the matching core's errors."""


class QueryError(MatchingError, ValueError):
    """A search query that cannot be run (empty, whitespace only, not text)."""


class IndexUnusableError(MatchingError):
    """A stored index cannot be trusted; the caller should rebuild it rather than search it."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IndexMissingError(IndexUnusableError):
    """No index has been saved at this location yet."""


class IndexModelMismatchError(IndexUnusableError):
    """The stored vectors come from another embedding model or dimension."""


class IndexCorruptError(IndexUnusableError):
    """The stored files are unreadable, incomplete, or fail their checksum (e.g. a torn write)."""


class SearchBackendUnavailable(MatchingError):
    """A search server (Elasticsearch) cannot be reached or refused a request."""
