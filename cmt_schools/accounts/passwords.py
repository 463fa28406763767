"""Password hashing (argon2id) and the password rules: length and commonness, nothing else."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 8
SUGGESTED_LENGTH = 15
MAX_LENGTH = 256


@functools.cache
def _hasher(time_cost: int, memory_kib: int, parallelism: int) -> PasswordHasher:
    # argon2-cffi hashes with argon2id; Werkzeug's default scrypt is below ASVS's minimum.
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)


def hasher() -> PasswordHasher:
    config = current_app.config
    return _hasher(
        config.get("ARGON2_TIME_COST", 3),
        config.get("ARGON2_MEMORY_KIB", 65536),
        config.get("ARGON2_PARALLELISM", 4),
    )


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        # Spend the same effort as a real check so timing does not tell who has an account.
        hasher().hash(password)
        return False
    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def common_passwords() -> frozenset[str]:
    # zxcvbn ships a list of the 30,000 most common leaked passwords.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why a new password is refused, or None. Length and commonness only: no composition rules."""
    if len(password) < MIN_LENGTH:
        return (
            f"Use at least {MIN_LENGTH} characters ({SUGGESTED_LENGTH} or more is better: "
            "a few unrelated words work well)."
        )
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    lowered = password.lower()
    if lowered in common_passwords() or lowered.strip() in common_passwords():
        return "That password is on a list of commonly used passwords. Please choose another."
    if lowered in {email.lower(), email.lower().split("@")[0], name.lower()}:
        return "Please do not use your email address or name as your password."
    return None
