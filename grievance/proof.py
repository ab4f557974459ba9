"""Proof of work on the reporting channel: challenges issued with a form, checked and spent.

Receipt checks and reports cost their sender work (grievance.work) instead of counting
toward a limit that would close the channel for everyone. A browser without JavaScript
pays in time instead: its form is accepted once GRIEVANCE_POW_WAIT_SECONDS have passed
since the challenge was issued. Nothing about the sender is kept, only a spent
challenge's hash and day.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l

from app.errors import ValidationError
from app.extensions import db
from app.timeutil import today
from grievance import work
from grievance.models import UsedChallenge

REPORT, FOLLOW_UP, MESSAGE = "report", "follow-up", "message"
FIELD = "check"
MISSING = _l("is missing: load the form again and send it from there")
WRONG = _l("did not pass: load the form again and send it from there")
REUSED = _l("was already used for one sending; send the form again from this page")
EXPIRED = _l("is too old; send the form again from this page")


@dataclass(frozen=True)
class Work:
    """What the form sent back: the challenge and the browser's answer (empty without JS)."""

    challenge: str | None
    nonce: str | None


@dataclass(frozen=True)
class Offer:
    """A challenge as the form shows it, with the wait that replaces work without JS."""

    challenge: str
    bits: int
    wait: int


def _key() -> bytes:
    secret = current_app.config["SECRET_KEY"].encode("utf-8")
    return hashlib.blake2b(secret, digest_size=32, person=b"fc-grievance-pow").digest()


def _is_spent(challenge: work.Challenge) -> bool:
    return db.session.scalar(sa.select(UsedChallenge.id).where(
        UsedChallenge.challenge_hash == work.spent_hash(challenge))) is not None


def offer(purpose: str, keep: str | None = None) -> Offer:
    """A challenge for a form: the one sent back (`keep`) while it can still be used, so a
    form sent too early keeps its waiting time; else a new one."""
    cfg = current_app.config
    challenge = work.read(_key(), purpose, keep)
    if (challenge is None or time.time() - challenge.issued_at > cfg["GRIEVANCE_POW_MAX_AGE"]
            or _is_spent(challenge)):
        challenge = work.issue(_key(), purpose, cfg["GRIEVANCE_POW_BITS"], time.time())
    return Offer(challenge.text, challenge.bits, cfg["GRIEVANCE_POW_WAIT_SECONDS"])


def _checked(purpose: str, sent: Work) -> work.Challenge:
    cfg = current_app.config
    challenge = work.read(_key(), purpose, sent.challenge)
    if challenge is None:
        raise ValidationError(field=FIELD, reason=str(MISSING if not sent.challenge else WRONG))
    age = time.time() - challenge.issued_at
    if age > cfg["GRIEVANCE_POW_MAX_AGE"] or age < -60:  # a minute of clock skew at most
        raise ValidationError(field=FIELD, reason=str(EXPIRED))
    if sent.nonce:
        if not work.solves(challenge, sent.nonce):
            raise ValidationError(field=FIELD, reason=str(WRONG))
    elif age < cfg["GRIEVANCE_POW_WAIT_SECONDS"]:
        wait = int(cfg["GRIEVANCE_POW_WAIT_SECONDS"] - age) + 1
        raise ValidationError(field=FIELD, reason=ngettext(
            "needs a moment: wait %(num)d second, then send the form again",
            "needs a moment: wait %(num)d seconds, then send the form again", wait))
    if _is_spent(challenge):
        raise ValidationError(field=FIELD, reason=str(REUSED))
    return challenge


def spend(purpose: str, sent: Work) -> None:
    """Check the work sent with a form and mark it used, committed at once: an answer
    refused later (a wrong receipt, a bad field) still cost its sender."""
    challenge = _checked(purpose, sent)
    db.session.add(UsedChallenge(challenge_hash=work.spent_hash(challenge)))
    try:  # the delete's autoflush sends the insert: a clash can come from either line
        db.session.execute(sa.delete(UsedChallenge).where(
            UsedChallenge.used_on < today() - dt.timedelta(days=1)))
        db.session.commit()
    except sa.exc.IntegrityError:  # the same answer sent twice at the same moment
        db.session.rollback()
        raise ValidationError(field=FIELD, reason=str(REUSED)) from None
