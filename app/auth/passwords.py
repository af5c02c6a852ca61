"""Password hashing: argon2id (RFC 9106) through argon2-cffi, with its default parameters
(t=3, m=64 MiB, p=4: ~50 ms a hash on a 2-core machine, which bounds offline guessing and is
far below the login limit of 5 attempts a minute)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
MAX_LENGTH = 1024  # argon2 takes any length; this bounds the work one request can ask for

_hasher = PasswordHasher()
# Verified against when the account does not exist, so timing does not tell accounts apart.
_DUMMY = _hasher.hash("pulse-no-such-account")


class PasswordError(ValueError):
    pass


def check_strength(password: str) -> str:
    if len(password) < MIN_LENGTH:
        raise PasswordError(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise PasswordError(f"a password has at most {MAX_LENGTH} characters")
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(check_strength(password))


def verify_password(stored: str | None, password: str) -> bool:
    """Constant work whether or not an account exists (stored None checks a dummy hash)."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _hasher.check_needs_rehash(stored)
