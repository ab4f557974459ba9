"""Slows receipt guessing without knowing who guesses: per receipt id and for everyone.

Counters live in the database (grievance_receipt_attempts) so that the embedded
setup needs no Redis and every worker process sees the same counts. A lookup id's
count is per day; the global count is per hour and names no receipt.
"""
from __future__ import annotations

import time

import sqlalchemy as sa
from flask import current_app

from app.errors import DomainError
from app.extensions import db
from app.timeutil import today
from grievance.models import ReceiptAttempts

GLOBAL = "*"


class TooManyAttempts(DomainError):
    """Too many wrong receipts lately, for this receipt id or for the site as a whole."""


def _windows(lookup_id: str) -> list[tuple[str, int, int]]:
    cfg = current_app.config
    return [(lookup_id, today().toordinal(), cfg["GRIEVANCE_RECEIPT_FAILURES_PER_DAY"]),
            (GLOBAL, int(time.time() // 3600), cfg["GRIEVANCE_GLOBAL_FAILURES_PER_HOUR"])]


def check(lookup_id: str) -> None:
    """TooManyAttempts when this receipt id, or the whole site, has failed too often."""
    for scope, window, limit in _windows(lookup_id):
        failures = db.session.scalar(sa.select(ReceiptAttempts.failures).where(
            ReceiptAttempts.scope == scope, ReceiptAttempts.window == window)) or 0
        if failures >= limit:
            raise TooManyAttempts()


def count_failure(lookup_id: str) -> None:
    """Count one wrong receipt (committed by the caller) and forget old windows."""
    for scope, window, _limit in _windows(lookup_id):
        updated = db.session.execute(
            sa.update(ReceiptAttempts)
            .where(ReceiptAttempts.scope == scope, ReceiptAttempts.window == window)
            .values(failures=ReceiptAttempts.failures + 1))
        if updated.rowcount == 0:
            db.session.add(ReceiptAttempts(scope=scope, window=window, failures=1))
    db.session.execute(sa.delete(ReceiptAttempts).where(
        ReceiptAttempts.scope != GLOBAL, ReceiptAttempts.window < today().toordinal() - 1))
    db.session.execute(sa.delete(ReceiptAttempts).where(
        ReceiptAttempts.scope == GLOBAL, ReceiptAttempts.window < int(time.time() // 3600) - 1))
