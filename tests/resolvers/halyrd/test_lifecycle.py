"""The status machine: every status x every operator action, and what a refusal leaves alone."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import DomainError
from resolvers.halyrd.config import parse_config
from resolvers.halyrd.lifecycle import (
    Demotion,
    KillSwitch,
    Promotion,
    demote_agent,
    kill_agent,
    promote_agent,
)
from resolvers.halyrd.proposal import ProposedOrder
from resolvers.halyrd.refusals import TwakBlock
from resolvers.halyrd.signing import SimulatedSigner, canonical, sign_order
from resolvers.halyrd.status import set_status
from storage.halyrd import JournalEntry
from storage.trading_agents import TradingAgent
from tests.resolvers.halyrd.h3_helpers import T0, hours, make_agent, record_counts, status_events

NOW = T0 + hours(100)
Action = Callable[[AsyncSession, str], Awaitable[Any]]
ACTIONS: dict[str, Action] = {
    "promote": lambda s, a: promote_agent(s, agent_id=a, now=NOW),
    "promote_force": lambda s, a: promote_agent(s, agent_id=a, force=True, now=NOW),
    "demote": lambda s, a: demote_agent(s, agent_id=a, now=NOW),
    "kill": lambda s, a: kill_agent(s, agent_id=a, confirm=True, now=NOW),
    "kill_unconfirmed": lambda s, a: kill_agent(s, agent_id=a, confirm=False, now=NOW),
}
# (status before, action) -> (status, phase, twak_session) after, or (http status, code) refused
MOVES: dict[tuple[str, str], tuple[str, str, str] | tuple[int, str]] = {
    ("PAPER", "promote"): (409, "NOT_ELIGIBLE"),
    ("PAPER", "promote_force"): ("LIVE", "live", "active"),
    ("PAPER", "demote"): ("PAPER", "paper", "none"),
    ("PAPER", "kill"): ("PAPER", "paper", "revoked"),
    ("PAPER", "kill_unconfirmed"): (422, "CONFIRMATION_REQUIRED"),
    ("ELIGIBLE", "promote"): ("LIVE", "live", "active"),
    ("ELIGIBLE", "promote_force"): ("LIVE", "live", "active"),
    ("ELIGIBLE", "demote"): ("PAPER", "paper", "none"),
    ("ELIGIBLE", "kill"): ("ELIGIBLE", "paper", "revoked"),
    ("ELIGIBLE", "kill_unconfirmed"): (422, "CONFIRMATION_REQUIRED"),
    ("LIVE", "promote"): (409, "ALREADY_LIVE"),
    ("LIVE", "promote_force"): (409, "ALREADY_LIVE"),
    ("LIVE", "demote"): ("PAPER", "paper", "none"),
    ("LIVE", "kill"): ("DEMOTED", "paper", "revoked"),
    ("LIVE", "kill_unconfirmed"): (422, "CONFIRMATION_REQUIRED"),
    ("DEMOTED", "promote"): (409, "DEMOTED"),
    ("DEMOTED", "promote_force"): (409, "DEMOTED"),
    ("DEMOTED", "demote"): ("PAPER", "paper", "revoked"),
    ("DEMOTED", "kill"): ("DEMOTED", "paper", "revoked"),
    ("DEMOTED", "kill_unconfirmed"): (422, "CONFIRMATION_REQUIRED"),
}
# moves that change nothing at all: no status, no journal, no event
NO_OPS = {("PAPER", "demote"), ("DEMOTED", "kill")}


def snapshot(agent: TradingAgent) -> tuple[object, ...]:
    return (
        agent.status,
        agent.phase,
        agent.twak_session,
        agent.status_changed_at,
        agent.window_started_at,
        agent.status_reason,
    )


@pytest.mark.parametrize(("before", "action"), sorted(MOVES))
async def test_state_machine(session: AsyncSession, before: str, action: str) -> None:
    agent = await make_agent(session, status=before)
    counts = await record_counts(session, agent.id)
    was = snapshot(agent)
    expected = MOVES[(before, action)]
    if isinstance(expected[0], int):
        with pytest.raises(DomainError) as caught:
            await ACTIONS[action](session, agent.id)
        assert (caught.value.status, caught.value.code) == expected
        await session.flush()
        await session.refresh(agent)
        assert snapshot(agent) == was
        assert await record_counts(session, agent.id) == counts
        return
    result = await ACTIONS[action](session, agent.id)
    await session.commit()
    await session.refresh(agent)
    assert (agent.status, agent.phase, agent.twak_session) == expected
    if isinstance(result, Promotion):
        assert result.status == "LIVE" and re.fullmatch(r"0x[0-9a-f]{64}", result.first_tx_hash)
    elif isinstance(result, Demotion):
        assert result.status == "PAPER"
    else:
        assert result == KillSwitch(twak_session="revoked")
    if (before, action) in NO_OPS:
        assert snapshot(agent) == was
        assert await record_counts(session, agent.id) == counts
        return
    journal, events = await record_counts(session, agent.id)
    assert journal > counts[0] and events > counts[1]
    status_changed = expected[0] != before or action == "demote"
    assert (agent.status_changed_at == NOW) is status_changed
    if action == "demote":  # every demotion starts a fresh evaluation window
        assert agent.window_started_at == NOW


class TestPromote:
    async def test_returns_the_session_opening_transaction(self, session: AsyncSession) -> None:
        agent = await make_agent(session, status="ELIGIBLE")
        signer = SimulatedSigner("any")
        result = await promote_agent(session, agent_id="current", signer=signer, now=NOW)
        caps = parse_config(agent.config).signing
        opening = {
            "type": "session_open",
            "agent": agent.id,
            "signer": signer.address,
            "allowlist": list(caps.allowlist),
            "per_trade_cap": caps.per_trade_cap,
            "daily_cap": caps.daily_cap,
            "ts": NOW.isoformat(),
        }
        assert result.first_tx_hash == signer.sign(canonical(opening))
        events = await status_events(session, agent.id)
        assert events[-1]["data"] == {
            "id": agent.id,
            "name": agent.name,
            "status": "LIVE",
            "phase": "live",
            "market_mode": agent.market_mode,
            "last_heartbeat": None,
            "previous": "ELIGIBLE",
            "reason": "promoted",
        }

    async def test_not_eligible_says_which_gates_fail(self, session: AsyncSession) -> None:
        agent = await make_agent(session, window_started_at=NOW - hours(24))
        with pytest.raises(DomainError) as caught:
            await promote_agent(session, agent_id=agent.id, now=NOW)
        assert "window 1.00 of 3 days" in caught.value.message
        assert "0 of 10 trades" in caught.value.message

    async def test_a_forced_promotion_is_journaled_as_forced(self, session: AsyncSession) -> None:
        agent = await make_agent(session)
        await promote_agent(session, agent_id=agent.id, force=True, now=NOW)
        reason = (await status_events(session, agent.id))[-1]["data"]["reason"]
        assert reason.startswith("force-promoted from PAPER")
        assert "0 of 10 trades" in reason
        assert agent.status_reason == reason


class TestKillSwitch:
    async def test_no_live_order_can_be_signed_afterwards(self, session: AsyncSession) -> None:
        agent = await make_agent(session, status="LIVE")
        live_order = ProposedOrder(
            symbol="BTC-USD",
            side="buy",
            size=0.01,
            mark_price=1_000,
            intent="entry",
            market_mode="spot",
            phase="live",
        )
        config = parse_config(agent.config)
        await sign_order(session, agent=agent, config=config, order=live_order, now=NOW)
        await kill_agent(session, agent_id=agent.id, confirm=True, now=NOW)
        with pytest.raises(TwakBlock) as caught:
            await sign_order(session, agent=agent, config=config, order=live_order, now=NOW)
        assert caught.value.rule == "session_revoked"

    async def test_is_idempotent(self, session: AsyncSession) -> None:
        agent = await make_agent(session, status="LIVE")
        await kill_agent(session, agent_id=agent.id, confirm=True, now=NOW)
        counts = await record_counts(session, agent.id)
        again = await kill_agent(session, agent_id=agent.id, confirm=True, now=NOW + hours(1))
        assert again.twak_session == "revoked"
        assert await record_counts(session, agent.id) == counts
        assert agent.status == "DEMOTED" and agent.status_changed_at == NOW


class TestSetStatus:
    async def test_stamps_journals_and_streams(self, session: AsyncSession) -> None:
        agent = await make_agent(session)
        await set_status(
            session, agent=agent, status="ELIGIBLE", phase="paper", reason="because", now=NOW
        )
        assert (agent.status, agent.status_changed_at, agent.status_reason) == (
            "ELIGIBLE",
            NOW,
            "because",
        )
        entry = await session.get(JournalEntry, 1)
        assert entry is not None and entry.kind == "status" and entry.ts == NOW
        assert entry.message == "PAPER -> ELIGIBLE: because"
        events = await status_events(session, agent.id)
        assert events == [
            {
                "type": "status",
                "ts": NOW.isoformat(),
                "data": {
                    "id": agent.id,
                    "name": agent.name,
                    "status": "ELIGIBLE",
                    "phase": "paper",
                    "market_mode": agent.market_mode,
                    "last_heartbeat": None,
                    "previous": "PAPER",
                    "reason": "because",
                },
            }
        ]

    async def test_rejects_an_unknown_status(self, session: AsyncSession) -> None:
        agent = await make_agent(session)
        with pytest.raises(ValueError):
            await set_status(session, agent=agent, status="GONE", phase="paper", reason="", now=NOW)
