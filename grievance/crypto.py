"""The pure crypto core of grievances: reviewers' keypair, envelopes, receipt-derived keys.

Imports neither Flask nor the database, so it can be used from a plain Python shell.
Everything rests on libsodium (PyNaCl): X25519 sealed boxes, XSalsa20-Poly1305
secret boxes and Argon2id.
"""
from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass
from typing import Any

import nacl.exceptions
import nacl.pwhash
import nacl.utils
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.secret import SecretBox

argon2id = nacl.pwhash.argon2id
ENVELOPE_VERSION = 1
# A sealed content key: the key (32) + the sender's ephemeral public key (32) + a MAC (16).
SEALED_KEY_BYTES = SecretBox.KEY_SIZE + PublicKey.SIZE + 16


class DecryptionFailed(Exception):
    """Wrong key or passphrase, or the ciphertext was tampered with."""


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost: operations and memory (bytes). Stored beside what they protect."""

    opslimit: int = argon2id.OPSLIMIT_INTERACTIVE
    memlimit: int = argon2id.MEMLIMIT_INTERACTIVE


@dataclass(frozen=True)
class LockedKey:
    """A private key as stored: encrypted under a key derived from a passphrase."""

    public_key: bytes
    encrypted_private_key: bytes
    salt: bytes
    params: KdfParams


def derive_key(secret: str | bytes, salt: bytes, params: KdfParams) -> bytes:
    """A 32-byte key from a passphrase or receipt, by Argon2id (RFC 9106)."""
    data = secret.encode("utf-8") if isinstance(secret, str) else secret
    return argon2id.kdf(SecretBox.KEY_SIZE, data, salt,
                        opslimit=params.opslimit, memlimit=params.memlimit)


def new_salt() -> bytes:
    return nacl.utils.random(argon2id.SALTBYTES)


def generate_locked_key(passphrase: str, params: KdfParams) -> LockedKey:
    """A fresh X25519 keypair whose private half exists only encrypted under `passphrase`."""
    private = PrivateKey.generate()
    return lock_private_key(private, passphrase, params)


def lock_private_key(private: PrivateKey, passphrase: str, params: KdfParams) -> LockedKey:
    salt = new_salt()
    box = SecretBox(derive_key(passphrase, salt, params))
    return LockedKey(bytes(private.public_key), bytes(box.encrypt(bytes(private))), salt, params)


def unlock_private_key(locked: LockedKey, passphrase: str) -> PrivateKey:
    """The private key, or DecryptionFailed for a wrong passphrase."""
    box = SecretBox(derive_key(passphrase, locked.salt, locked.params))
    return PrivateKey(open_secret(box, locked.encrypted_private_key))


def wrap(key: bytes, plaintext: bytes) -> bytes:
    """Encrypt and authenticate `plaintext` under a 32-byte symmetric key."""
    return bytes(SecretBox(key).encrypt(plaintext))


def unwrap(key: bytes, ciphertext: bytes) -> bytes:
    return open_secret(SecretBox(key), ciphertext)


def open_secret(box: SecretBox, ciphertext: bytes) -> bytes:
    try:
        return box.decrypt(ciphertext)
    except (nacl.exceptions.CryptoError, ValueError, TypeError) as error:
        raise DecryptionFailed() from error


def fingerprint(public_key: bytes) -> str:
    """A short, readable name for a public key (reviewers compare it out of band)."""
    digest = hashlib.blake2b(public_key, digest_size=8).hexdigest()
    return ":".join(digest[i:i + 4] for i in range(0, 16, 4))


# An envelope: a random content key encrypts the payload once (SecretBox); the content
# key is sealed (SealedBox, anonymous sender) to each recipient's public key. The
# reviewers and the reporter can then both read one stored copy of a message or file.
def seal(recipients: list[bytes], plaintext: bytes) -> bytes:
    """Encrypt `plaintext` so that the holder of any recipient's private key can read it."""
    if not recipients:
        raise ValueError("an envelope needs at least one recipient")
    content_key = nacl.utils.random(SecretBox.KEY_SIZE)
    slots = b"".join(bytes(SealedBox(PublicKey(r)).encrypt(content_key)) for r in recipients)
    return struct.pack(">BB", ENVELOPE_VERSION, len(recipients)) + slots + wrap(content_key,
                                                                               plaintext)


def open_envelope(private: PrivateKey, envelope: bytes) -> bytes:
    """The plaintext of an envelope addressed (among others) to `private`'s public key."""
    if len(envelope) < 2 or envelope[0] != ENVELOPE_VERSION:
        raise DecryptionFailed()
    count, start = envelope[1], 2
    body = envelope[start + count * SEALED_KEY_BYTES:]
    opener = SealedBox(private)
    for i in range(count):
        slot = envelope[start + i * SEALED_KEY_BYTES:start + (i + 1) * SEALED_KEY_BYTES]
        try:
            content_key = opener.decrypt(slot)
        except nacl.exceptions.CryptoError:
            continue
        return unwrap(content_key, body)
    raise DecryptionFailed()


def seal_json(recipients: list[bytes], value: Any) -> bytes:
    return seal(recipients, json.dumps(value, ensure_ascii=False).encode("utf-8"))


def open_json(private: PrivateKey, envelope: bytes) -> Any:
    return json.loads(open_envelope(private, envelope).decode("utf-8"))


def new_keypair() -> PrivateKey:
    return PrivateKey.generate()


def hash_secret(secret: str, params: KdfParams) -> str:
    """An Argon2id hash in the standard $argon2id$ string form (salt and cost included)."""
    return argon2id.str(secret.encode("utf-8"), opslimit=params.opslimit,
                        memlimit=params.memlimit).decode("ascii")


def verify_secret(encoded: str, secret: str) -> bool:
    """True when `secret` matches an $argon2id$ hash, in time independent of where it differs."""
    try:
        return argon2id.verify(encoded.encode("ascii"), secret.encode("utf-8"))
    except (nacl.exceptions.InvalidkeyError, nacl.exceptions.CryptoError, ValueError):
        return False


def keyed_hash(key: bytes, data: bytes, person: bytes) -> bytes:
    """A 32-byte keyed BLAKE2b, personalised so that one key serves separate purposes."""
    return hashlib.blake2b(data, key=key[:64], digest_size=32, person=person[:16]).digest()
