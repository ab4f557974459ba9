"""The reviewers' key: created under a passphrase, unlocked for one reviewer session at a time.

Where the unlocked key lives. Process memory was ruled out: gunicorn runs several
worker processes and recycles them, so a key unlocked in one would be locked in the
next. Re-deriving on every request would need the passphrase on every request (and an
Argon2id run each time). Instead, on unlock, the private key is wrapped (SecretBox)
under a key derived from a random 256-bit session token, the wrapped key is stored
here with an expiry, and only the token goes into the reviewer's signed session
cookie. The cookie never holds the key; the database never holds the token (only its
hash). Either alone is useless; the row is deleted when the reviewer locks the key and
expires after GRIEVANCE_UNLOCK_MINUTES, and it is bound to the reviewer's account.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from functools import cache

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from nacl.public import PrivateKey

from app import audit
from app.accounts.models import REVIEWER, User
from app.errors import Conflict, DomainError, PermissionDenied, ValidationError
from app.extensions import db
from app.timeutil import utcnow
from grievance import crypto
from grievance.models import GrievanceKey, KeySession

MIN_PASSPHRASE = 12


class KeysMissing(DomainError):
    """No reviewers' key exists yet: an operator must run `flask grievance init-keys`."""


def key_params() -> crypto.KdfParams:
    cfg = current_app.config
    return crypto.KdfParams(cfg["GRIEVANCE_KEY_OPSLIMIT"], cfg["GRIEVANCE_KEY_MEMLIMIT"])


def receipt_params() -> crypto.KdfParams:
    cfg = current_app.config
    return crypto.KdfParams(cfg["GRIEVANCE_RECEIPT_OPSLIMIT"], cfg["GRIEVANCE_RECEIPT_MEMLIMIT"])


@cache
def dummy_hash(params: crypto.KdfParams) -> str:
    """A hash to verify against when a lookup id matches no case, so timing tells nothing."""
    return crypto.hash_secret(secrets.token_hex(16), params)


def active_key() -> GrievanceKey:
    key = db.session.scalar(sa.select(GrievanceKey).where(GrievanceKey.active.is_(True))
                            .order_by(GrievanceKey.id.desc()).limit(1))
    if key is None:
        raise KeysMissing()
    return key


def locked_key(key: GrievanceKey) -> crypto.LockedKey:
    return crypto.LockedKey(key.public_key, key.encrypted_private_key, key.salt,
                            crypto.KdfParams(key.opslimit, key.memlimit))


def _check_passphrase(passphrase: str) -> None:
    if len(passphrase or "") < MIN_PASSPHRASE:
        raise ValidationError(field="passphrase", reason=str(
            _l("is too short (at least %(n)d characters)", n=MIN_PASSPHRASE)))


def create_keys(passphrase: str, params: crypto.KdfParams | None = None) -> GrievanceKey:
    """Make the reviewers' keypair; refuses when one exists (its cases would become unreadable)."""
    _check_passphrase(passphrase)
    if db.session.scalar(sa.select(GrievanceKey.id).limit(1)) is not None:
        raise Conflict(str(_l("a reviewers' key already exists")))
    locked = crypto.generate_locked_key(passphrase, params or key_params())
    key = GrievanceKey(public_key=locked.public_key, salt=locked.salt,
                       encrypted_private_key=locked.encrypted_private_key,
                       opslimit=locked.params.opslimit, memlimit=locked.params.memlimit,
                       fingerprint=crypto.fingerprint(locked.public_key))
    db.session.add(key)
    audit.record(None, "grievance.keys_created", key, fingerprint=key.fingerprint)
    db.session.commit()
    return key


def change_passphrase(old: str, new: str) -> GrievanceKey:
    """Re-wrap the private key under a new passphrase (the keypair itself stays)."""
    _check_passphrase(new)
    key = active_key()
    try:
        private = crypto.unlock_private_key(locked_key(key), old)
    except crypto.DecryptionFailed:
        raise ValidationError(field="passphrase", reason=str(_l("is wrong"))) from None
    locked = crypto.lock_private_key(private, new, key_params())
    key.encrypted_private_key, key.salt = locked.encrypted_private_key, locked.salt
    key.opslimit, key.memlimit = locked.params.opslimit, locked.params.memlimit
    db.session.execute(sa.delete(KeySession).where(KeySession.key_id == key.id))
    audit.record(None, "grievance.passphrase_changed", key)
    db.session.commit()
    return key


def _handle(token: bytes) -> tuple[str, bytes]:
    """The token's database handle and its wrapping key: two unrelated hashes of it."""
    handle = hashlib.sha256(b"fc-key-session|" + token).hexdigest()
    return handle, crypto.keyed_hash(token, b"wrap", b"fc-key-wrap")


def unlock(actor: User, passphrase: str) -> str:
    """Unlock the private key for `actor`'s session; returns the token for the session."""
    if actor.role != REVIEWER:
        raise PermissionDenied()
    key = active_key()
    try:
        private = crypto.unlock_private_key(locked_key(key), passphrase or "")
    except crypto.DecryptionFailed:
        audit.record(actor, "grievance.unlock_failed", key)
        db.session.commit()
        raise ValidationError(field="passphrase", reason=str(_l("is wrong"))) from None
    token = secrets.token_bytes(32)
    handle, wrap_key = _handle(token)
    minutes = current_app.config["GRIEVANCE_UNLOCK_MINUTES"]
    row = dict(handle_hash=handle, user_id=actor.id, key_id=key.id,
               session_version=actor.session_version,
               wrapped_private_key=crypto.wrap(wrap_key, bytes(private)),
               expires_at=utcnow() + dt.timedelta(minutes=minutes))
    try:
        _replace_session(row)
    except sa.exc.IntegrityError:  # a second unlock at the same moment: the later one wins
        db.session.rollback()
        _replace_session(row)
    audit.record(actor, "grievance.key_unlocked", key)
    db.session.commit()
    return base64.urlsafe_b64encode(token).decode("ascii")


def _replace_session(row: dict) -> None:
    """At most one unlock per reviewer: a new one replaces theirs (and expired ones go)."""
    db.session.execute(sa.delete(KeySession).where(sa.or_(
        KeySession.user_id == row["user_id"], KeySession.expires_at < utcnow())))
    db.session.add(KeySession(**row))
    db.session.flush()


def _session_row(actor: User, token: str | None) -> tuple[KeySession, bytes] | None:
    try:
        raw = base64.urlsafe_b64decode(token or "")
    except (ValueError, TypeError):
        return None
    if len(raw) != 32:
        return None
    handle, wrap_key = _handle(raw)
    row = db.session.scalar(sa.select(KeySession).where(KeySession.handle_hash == handle))
    if (row is None or row.user_id != actor.id or row.expires_at < utcnow()
            or row.session_version != actor.session_version):
        return None
    return row, wrap_key


def unlocked_key(actor: User, token: str | None) -> PrivateKey | None:
    """The private key this reviewer unlocked in this session, or None (locked or expired)."""
    if actor.role != REVIEWER:
        return None
    found = _session_row(actor, token)
    if found is None:
        return None
    row, wrap_key = found
    try:
        return PrivateKey(crypto.unwrap(wrap_key, row.wrapped_private_key))
    except crypto.DecryptionFailed:
        return None


def lock(actor: User, token: str | None) -> None:
    """Forget the unlocked key now, rather than at expiry."""
    found = _session_row(actor, token)
    if found is not None:
        key = db.session.get(GrievanceKey, found[0].key_id)
        db.session.delete(found[0])
        audit.record(actor, "grievance.key_locked", key)
        db.session.commit()


def lock_all(user: User) -> None:
    """Forget every key this user unlocked: their sessions have ended (events.sessions_ended)."""
    row = db.session.scalar(sa.select(KeySession).where(KeySession.user_id == user.id))
    if row is not None:
        key = db.session.get(GrievanceKey, row.key_id)
        db.session.delete(row)
        audit.record(user, "grievance.key_locked", key)
        db.session.commit()
