"""Password hashing: argon2id (RFC 9106) through argon2-cffi, with its default parameters
(t=3, m=64 MiB, p=4: ~50 ms a hash on a 2-core machine, which bounds offline guessing and is
far below the login limit of 5 attempts a minute)."""

from __future__ import annotations

import functools
import unicodedata

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
    """The policy: 10 to 1,024 characters, of which at least 10 are visible (spaces, and
    invisible format characters such as zero-width spaces or bidi marks, do not count), and
    not one of the 30,000 most common passwords (zxcvbn's list, in any letter case)."""
    if len(password) > MAX_LENGTH:
        raise PasswordError(f"a password has at most {MAX_LENGTH} characters")
    visible = [c for c in password if not c.isspace() and unicodedata.category(c)[0] not in "CZ"]
    if len(visible) < MIN_LENGTH:
        raise PasswordError(
            f"a password needs at least {MIN_LENGTH} visible characters (spaces and "
            "invisible characters do not count)"
        )
    if password.strip().lower() in _common_passwords():
        raise PasswordError("this password is one of the most common ones: choose another")
    return password


@functools.cache
def _common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # ~1 MB: loaded when first needed

    return frozenset(FREQUENCY_LISTS["passwords"])


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
