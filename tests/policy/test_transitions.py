"""The policy's transition table: every pair of states, allowed or refused with both states named."""

from __future__ import annotations

from itertools import product as pairs

import pytest

from services.kernel.errors import InvalidState
from services.policy import policies
from services.policy.models import Policy

STATES = ["PENDING_PAYMENT", "ACTIVE", "EXPIRED", "CANCELLED"]


class _Session:
    def __init__(self) -> None:
        self.added: list = []

    def add(self, row) -> None:
        self.added.append(row)


@pytest.mark.parametrize(("start", "to"), list(pairs(STATES, STATES)))
def test_the_transition_table_allows_exactly_its_moves(start, to):
    policy = Policy(id="pol_x", status=start)
    allowed = {("PENDING_PAYMENT", "ACTIVE"), ("PENDING_PAYMENT", "CANCELLED"), ("ACTIVE", "EXPIRED"),
               ("ACTIVE", "CANCELLED")}
    session = _Session()
    if (start, to) in allowed:
        policies.transition(session, policy, to, actor="t")  # type: ignore[arg-type]
        assert policy.status == to and session.added[0].from_status == start
    else:
        with pytest.raises(InvalidState) as err:
            policies.transition(session, policy, to, actor="t")  # type: ignore[arg-type]
        assert start in err.value.detail and to in err.value.detail
        assert policy.status == start and not session.added


