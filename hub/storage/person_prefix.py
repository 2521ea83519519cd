"""A person's key where a whole pseudonym is not needed: its first bytes.

A pseudonym is stored as a digest's 32 bytes (hub.storage.hex_digest_column;
other text as 0xFF and its UTF-8). Where rows are only found by person and
then checked against a whole pseudonym kept elsewhere or beside them, the
first eight bytes of that stored form find a person's rows as well: two
persons' digests share them once in 2^32 pairs among 2^32 persons, and a
shared prefix only costs the reader a row it then leaves out. Used by the
points entries' index (migration 0039) and the travel rows' key (0041).
"""

from __future__ import annotations

from hub.storage.hex_digest_column import digest_bytes

__all__ = ["PERSON_PREFIX_BYTES", "person_prefix", "prefix_of"]

PERSON_PREFIX_BYTES = 8


def person_prefix(person: str) -> bytes:
    """The first bytes of ``person``'s stored form, on both databases."""
    return prefix_of(digest_bytes(person))


def prefix_of(stored: bytes) -> bytes:
    """The prefix of a person already in its stored form (a reader that binds
    both the prefix and the whole person encodes the person once)."""
    return stored[:PERSON_PREFIX_BYTES]
