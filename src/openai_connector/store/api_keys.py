"""The service's bearer keys: made from 32 random bytes, kept only as a SHA-256 hash.

A key reads ``ocs_`` followed by 43 url-safe characters. Its hash is a plain SHA-256: the
key has 256 bits of entropy, so a slow password hash adds nothing. Comparison is in constant
time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Literal, get_args

Role = Literal["admin", "operator", "viewer"]
ROLES: tuple[str, ...] = get_args(Role)
RANK = {"viewer": 0, "operator": 1, "admin": 2}
"""A role may do what the roles below it may."""
KEY_PREFIX = "ocs_"
SHOWN_PREFIX = 12
"""How many leading characters of a key are kept in clear to list and find it."""


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def shown_prefix(key: str) -> str:
    return key[:SHOWN_PREFIX]


def matches(key: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_key(key), stored_hash)


def allows(role: str, needed: str) -> bool:
    return RANK.get(role, -1) >= RANK[needed]
