"""The register's signing key: two files under the instance folder, the private one mode 0600.

`ed25519.key` holds the 32-byte private seed and `ed25519.pub` the public key, each as
hex on one line. The key signs register copies and badges; it never leaves the server.
"""
from __future__ import annotations

import os
from pathlib import Path

from flask import current_app
from nacl.signing import SigningKey, VerifyKey

from app import audit
from app.errors import Conflict, DomainError
from app.extensions import db
from app.register.signing import key_id

PRIVATE, PUBLIC = "ed25519.key", "ed25519.pub"


class KeyMissing(DomainError):
    """No signing key yet: an operator must run `flask register init-key`."""


def key_dir() -> Path:
    return Path(current_app.config.get("REGISTER_KEY_DIR")
                or Path(current_app.instance_path) / "register")


def has_key() -> bool:
    return (key_dir() / PRIVATE).exists()


def create_key() -> VerifyKey:
    """Make the keypair; refuses when one exists (copies and badges signed with it would fail)."""
    folder = key_dir()
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    signing_key = SigningKey.generate()
    try:
        # O_EXCL: two processes running init-key at once cannot both write a key.
        fd = os.open(folder / PRIVATE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise Conflict("a register signing key already exists") from None
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(bytes(signing_key).hex() + "\n")
    os.chmod(folder / PRIVATE, 0o600)
    (folder / PUBLIC).write_text(bytes(signing_key.verify_key).hex() + "\n", encoding="ascii")
    audit.record(None, "register.key_created", signing_key.verify_key,
                 key_id=key_id(signing_key.verify_key))
    db.session.commit()
    return signing_key.verify_key


def ensure_key() -> bool:
    """Create the key if there is none (the demo data and the tests); True when created."""
    if has_key():
        return False
    try:
        create_key()
    except Conflict:
        return False
    return True


def signing_key() -> SigningKey:
    path = key_dir() / PRIVATE
    if not path.exists():
        raise KeyMissing()
    return SigningKey(bytes.fromhex(path.read_text(encoding="ascii").strip()))


def verify_key() -> VerifyKey:
    path = key_dir() / PUBLIC
    if not path.exists():
        raise KeyMissing()
    return read_public_key(path.read_text(encoding="ascii"))


def read_public_key(text: str) -> VerifyKey:
    """A public key written as 64 hex digits (what `ed25519.pub` and /register/key.json hold)."""
    text = text.strip()
    if len(text) != 64:
        raise ValueError("a public key is 64 hex digits")
    return VerifyKey(bytes.fromhex(text))
