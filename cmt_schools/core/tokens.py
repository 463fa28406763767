"""Secret link tokens (invitations, password resets, calendar feeds): only a hash is stored."""

from __future__ import annotations

import hashlib


def hash_token(raw: str) -> str:
    """The token as the database keeps it. The tokens are long and random, so a plain SHA-256
    is enough: a copy of the database opens no link, and looking a token up stays one query."""
    return hashlib.sha256(raw.encode()).hexdigest()
