"""Opaque, time-sortable public identifiers (`pol_01J...`): a ULID body behind a short type prefix."""

from __future__ import annotations

import os

from services.kernel import clock

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _encode(value: int, length: int) -> str:
    out = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        out.append(_CROCKFORD[rem])
    return "".join(reversed(out))


def new_id(prefix: str) -> str:
    """A new id such as ``ent_01JD4...``; ids made later sort after ids made earlier (to the millisecond)."""
    millis = int(clock.timestamp() * 1000)
    rand = int.from_bytes(os.urandom(10), "big")
    return f"{prefix}_{_encode(millis, 10)}{_encode(rand, 16)}"
