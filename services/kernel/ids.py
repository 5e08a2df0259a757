"""Opaque, time-sortable public identifiers (`pol_01J...`): a ULID body behind a short type prefix."""

from __future__ import annotations

import os
import threading

from services.kernel import clock

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_lock = threading.Lock()
_last_millis = 0


def _encode(value: int, length: int) -> str:
    out = []
    for _ in range(length):
        value, rem = divmod(value, 32)
        out.append(_CROCKFORD[rem])
    return "".join(reversed(out))


def _next_millis() -> int:
    """The clock's millisecond, moved one past the last id's when the clock has not moved on (several ids in
    one millisecond, a clock set back): ids made later in a process always sort after ids made earlier."""
    global _last_millis
    with _lock:
        _last_millis = max(int(clock.timestamp() * 1000), _last_millis + 1)
        return _last_millis


def new_id(prefix: str) -> str:
    """A new id such as ``ent_01JD4...``; ids made later sort after ids made earlier."""
    rand = int.from_bytes(os.urandom(10), "big")
    return f"{prefix}_{_encode(_next_millis(), 10)}{_encode(rand, 16)}"
