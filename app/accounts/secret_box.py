"""Second-factor secrets at rest: sealed (XChaCha20-Poly1305) under a key from the environment.

A database copy alone does not give anyone the codes of an admin's or reviewer's
authenticator. Each box is bound to its account, so a box copied onto another
account does not open. Pure: no Flask, no database.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nacl import bindings, encoding, exceptions, utils
from nacl.hash import blake2b

NONCE_BYTES = bindings.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES


class BoxDoesNotOpen(Exception):
    """The box was sealed under another key, for another account, or was altered."""


def derive_key(material: str, purpose: bytes) -> bytes:
    """A 32-byte key for one purpose only, from a long random setting (BLAKE2b)."""
    return blake2b(material.encode("utf-8"), digest_size=32, person=purpose,
                        encoder=encoding.RawEncoder)


def key_from_config(config: Mapping[str, Any]) -> bytes:
    """TOTP_ENCRYPTION_KEY's key; without it (development and tests only, production
    refuses to start), one derived from SECRET_KEY for this purpose alone, so that the
    signing key itself never encrypts anything."""
    material = config.get("TOTP_ENCRYPTION_KEY")
    if material:
        return derive_key(material, b"fc-totp-secrets")
    return derive_key(config["SECRET_KEY"], b"fc-totp-dev-only")


def _context(user_id: int) -> bytes:
    return f"faircorridor second factor of user {user_id}".encode("ascii")


def seal(key: bytes, secret: str, user_id: int) -> bytes:
    nonce = utils.random(NONCE_BYTES)
    return nonce + bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(
        secret.encode("ascii"), _context(user_id), nonce, key)


def unseal(key: bytes, box: bytes, user_id: int) -> str:
    nonce, sealed = box[:NONCE_BYTES], box[NONCE_BYTES:]
    try:
        return bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
            sealed, _context(user_id), nonce, key).decode("ascii")
    except exceptions.CryptoError:
        raise BoxDoesNotOpen() from None
