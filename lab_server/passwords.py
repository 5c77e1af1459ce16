"""Kit passwords: made random, stored only as a hash in Mosquitto's own format.

Mosquitto 2's password file holds ``user:$7$ITERATIONS$SALT$HASH``: PBKDF2-HMAC-SHA512 over
a 12-byte salt, salt and 64-byte hash in standard base64 (``mosquitto_passwd -H
sha512-pbkdf2``). The store keeps exactly that string, so the broker's password file is
written from the store at any time, with no plaintext kept anywhere and no need for the
``mosquitto_passwd`` binary (which needs the plaintext); the embedded broker checks the same
hashes with ``verify_password``.

A kit's password is 128 random bits, so the hash's iteration count guards nothing that
brute force could reach; it is Mosquitto's ``PW_DEFAULT_ITERATIONS`` times ten.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets

ITERATIONS = 1010
SALT_BYTES = 12


def new_password() -> str:
    """A fresh random password: 22 URL-safe characters (128 bits)."""
    return secrets.token_urlsafe(16)


def hash_password(password: str, *, iterations: int = ITERATIONS, salt: bytes | None = None
                  ) -> str:
    """``password`` as a Mosquitto ``$7$`` PBKDF2-SHA512 hash."""
    salt = os.urandom(SALT_BYTES) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations)
    return (f"$7${iterations}${base64.b64encode(salt).decode()}$"
            f"{base64.b64encode(digest).decode()}")


def verify_password(password: str, hashed: str) -> bool:
    """Whether ``password`` matches a ``$7$`` hash (False for any malformed hash)."""
    parts = hashed.split("$")
    if len(parts) != 5 or parts[0] != "" or parts[1] != "7" or not parts[2].isdigit():
        return False
    try:
        salt = base64.b64decode(parts[3], validate=True)
        expected = base64.b64decode(parts[4], validate=True)
    except (binascii.Error, ValueError):
        return False
    iterations = int(parts[2])
    if not 1 <= iterations <= 10_000_000:
        return False
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations)
    return hmac.compare_digest(digest, expected)
