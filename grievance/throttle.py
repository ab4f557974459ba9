"""Slows the guessing of one receipt without knowing who guesses: a count per receipt id.

Counters live in the database (grievance_receipt_attempts) so that the embedded
setup needs no Redis and every worker process sees the same counts. A lookup id's
count is per day. There is no count for the site as a whole: it would let one sender
close follow-up for every reporter. Many guesses are paid for instead, by the proof of
work each check needs (grievance.proof).
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from app.errors import DomainError
from app.extensions import db
from app.timeutil import today
from grievance.models import ReceiptAttempts


class TooManyAttempts(DomainError):
    """Too many wrong receipts today for this receipt id."""


def check(lookup_id: str) -> None:
    """TooManyAttempts when this receipt id has failed too often today."""
    failures = db.session.scalar(sa.select(ReceiptAttempts.failures).where(
        ReceiptAttempts.scope == lookup_id,
        ReceiptAttempts.window == today().toordinal())) or 0
    if failures >= current_app.config["GRIEVANCE_RECEIPT_FAILURES_PER_DAY"]:
        raise TooManyAttempts()


def count_failure(lookup_id: str) -> None:
    """Count one wrong receipt (committed by the caller) and forget old days."""
    day = today().toordinal()
    updated = db.session.execute(
        sa.update(ReceiptAttempts)
        .where(ReceiptAttempts.scope == lookup_id, ReceiptAttempts.window == day)
        .values(failures=ReceiptAttempts.failures + 1))
    if updated.rowcount == 0:
        db.session.add(ReceiptAttempts(scope=lookup_id, window=day, failures=1))
    db.session.execute(sa.delete(ReceiptAttempts).where(ReceiptAttempts.window < day - 1))
