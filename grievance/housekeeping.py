"""Forgetting what is no longer needed: spent form tokens and challenges, old counters,
expired key sessions."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from app.extensions import db
from app.timeutil import today, utcnow
from grievance.models import KeySession, ReceiptAttempts, UsedChallenge, UsedFormToken
from grievance.tokens import MAX_AGE_DAYS


def purge_old_records() -> dict[str, int]:
    """Delete what a form token, a throttle or a key session no longer needs; returns counts."""
    # A token is accepted for MAX_AGE_DAYS after issue, so its spent mark must outlive that.
    oldest_token_day = today() - dt.timedelta(days=MAX_AGE_DAYS + 1)
    counts = {
        "form tokens": db.session.execute(sa.delete(UsedFormToken).where(
            UsedFormToken.used_on < oldest_token_day)).rowcount,
        # A challenge lives a day at most (GRIEVANCE_POW_MAX_AGE), so the same holds for it.
        "challenges": db.session.execute(sa.delete(UsedChallenge).where(
            UsedChallenge.used_on < today() - dt.timedelta(days=1))).rowcount,
        "receipt counters": db.session.execute(sa.delete(ReceiptAttempts).where(
            ReceiptAttempts.window < today().toordinal() - 1)).rowcount,
        "key sessions": db.session.execute(sa.delete(KeySession).where(
            KeySession.expires_at < utcnow())).rowcount,
    }
    db.session.commit()
    return counts
