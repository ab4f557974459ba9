"""The one domain-error hierarchy: services raise these, views translate them."""
from __future__ import annotations


class DomainError(Exception):
    """Base class for errors a service reports to its caller."""


class ValidationError(DomainError):
    """One or more input fields are invalid; `errors` maps field name to reason.

    Services collect every problem first and raise once, so a user sees all of
    them together.
    """

    def __init__(self, errors: dict[str, str] | None = None, *, field: str | None = None,
                 reason: str | None = None) -> None:
        self.errors: dict[str, str] = dict(errors or {})
        if field is not None:
            self.errors[field] = reason or "is invalid"
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


class PermissionDenied(DomainError):
    """The actor may not do this. Views answer 404 where existence itself is private."""


class NotFound(DomainError):
    """The object does not exist, or the actor may not know that it exists."""


class Conflict(DomainError):
    """The request clashes with the current state (e.g. a second application)."""


def get_or_not_found(model, ident):
    """The row of `model` with primary key `ident`, or NotFound for the view to answer 404."""
    from app.extensions import db  # the error classes themselves need no database

    found = db.session.get(model, ident)
    if found is None:
        raise NotFound()
    return found
