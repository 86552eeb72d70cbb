"""The signing layer (live only): the last gate before a live order, and who signs it.

`SimulatedSigner` is the only signer Tradegraph ships. Its key is derived locally and
deterministically from the agent id (HMAC-SHA256 under a fixed domain tag); its address and
signatures are SHA-256 digests, not secp256k1/keccak. It opens no connection, holds no funds and
cannot move real money: a "tx hash" is a 32-byte digest of the signed payload, stable for the
same agent and payload. A real signer would implement the same `Signer` protocol.

`sign_order` refuses (TWAK_BLOCK) in this order: session revoked (kill switch), no session (never
promoted, or demoted since), symbol not on the allowlist, notional over the per-trade cap, and
today's (UTC) filled live notional plus this order over the daily cap.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.halyrd.account import day_start
from resolvers.halyrd.config import AgentConfig
from resolvers.halyrd.proposal import ProposedOrder
from resolvers.halyrd.refusals import TwakBlock
from storage.halyrd import AgentOrder
from storage.trading_agents import TradingAgent

KEY_DOMAIN = b"tradegraph.simulated-signer.v1"


class Signer(Protocol):
    @property
    def address(self) -> str: ...

    def sign(self, payload: bytes) -> str:
        """A 0x-prefixed 32-byte hex transaction hash for `payload`."""
        ...


class SimulatedSigner:
    """A local, deterministic stand-in for a wallet: no network, no funds (module docstring)."""

    def __init__(self, agent_id: str) -> None:
        self._key = hmac.new(KEY_DOMAIN, agent_id.encode(), hashlib.sha256).digest()
        self._address = "0x" + hashlib.sha256(b"address:" + self._key).hexdigest()[-40:]

    @property
    def address(self) -> str:
        return self._address

    def sign(self, payload: bytes) -> str:
        return "0x" + hmac.new(self._key, payload, hashlib.sha256).hexdigest()


def signer_for(agent_id: str) -> Signer:
    """The signer an agent uses when the caller does not pass one."""
    return SimulatedSigner(agent_id)


def canonical(payload: dict[str, Any]) -> bytes:
    """Sorted keys, no whitespace: the same payload always signs to the same hash."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


async def live_notional_today(session: AsyncSession, *, agent_id: str, now: datetime) -> float:
    """Sum of the agent's filled live order notional in `now`'s UTC day."""
    start = day_start(now)
    stmt = select(func.coalesce(func.sum(AgentOrder.notional), 0.0)).where(
        AgentOrder.trading_agent_id == agent_id,
        AgentOrder.phase == "live",
        AgentOrder.status == "filled",
        AgentOrder.ts >= start,
        AgentOrder.ts < start + timedelta(days=1),
    )
    return float(await session.scalar(stmt) or 0.0)


def _block(rule: str, message: str, **details: Any) -> TwakBlock:
    return TwakBlock(message, rule=rule, details=details)


async def sign_order(
    session: AsyncSession,
    *,
    agent: TradingAgent,
    config: AgentConfig,
    order: ProposedOrder,
    now: datetime,
    signer: Signer | None = None,
) -> str:
    """Check the signing caps and sign the order; the tx hash, or TwakBlock naming the rule."""
    caps = config.signing
    if agent.twak_session == "revoked":
        raise _block("session_revoked", "the signing session was revoked by the kill switch")
    if agent.twak_session != "active":
        raise _block("no_session", "no signing session is open: the agent is not promoted")
    symbol = order.symbol.upper()
    if symbol not in caps.allowlist:
        raise _block(
            "allowlist",
            f"{symbol} is not on the signing allowlist ({', '.join(caps.allowlist) or 'empty'})",
            symbol=symbol,
        )
    notional = order.notional
    if notional > caps.per_trade_cap:
        raise _block(
            "per_trade_cap",
            f"order notional {notional:,.2f} is over the per-trade cap {caps.per_trade_cap:,.2f}",
            notional=notional,
            cap=caps.per_trade_cap,
        )
    spent = await live_notional_today(session, agent_id=agent.id, now=now)
    if spent + notional > caps.daily_cap:
        raise _block(
            "daily_cap",
            f"{spent:,.2f} already signed today + {notional:,.2f} would pass the daily cap "
            f"{caps.daily_cap:,.2f}",
            notional=notional,
            spent_today=spent,
            cap=caps.daily_cap,
        )
    payload = {
        "agent": agent.id,
        "symbol": symbol,
        "side": order.side,
        "size": order.size,
        "price": order.mark_price,
        "ts": now.isoformat(),
    }
    return (signer or signer_for(agent.id)).sign(canonical(payload))
