"""The agent's status machine: PAPER -> ELIGIBLE -> LIVE, DEMOTED on a breach, and the operator's
promote, demote and kill-switch.

`set_status` (resolvers/halyrd/status.py) is the only place a status changes: it stamps the
change, journals it and streams a `status` event. Every refusal is decided before anything is
written.

- promote: DEMOTED is refused (DEMOTED, even forced: wait for the reset or re-approve with
  demote), LIVE is refused (ALREADY_LIVE), anything but ELIGIBLE needs `force` (NOT_ELIGIBLE
  says which gates fail). Promotion opens a signing session and signs a session-opening
  transaction whose hash is returned; a forced promotion is journaled as forced.
- demote: LIVE or ELIGIBLE -> PAPER, DEMOTED -> PAPER (the operator's re-approval); PAPER stays
  PAPER. Every demotion starts a fresh evaluation window, otherwise the next step would make an
  ELIGIBLE agent ELIGIBLE again at once. Leaving LIVE closes the signing session.
- kill switch: needs `confirm`; revokes the signing session (no live order can be signed until
  a new promotion opens one), and a LIVE agent becomes DEMOTED. Killing twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.agent_roster import get_trading_agent
from resolvers.choices import AGENT_STATUS
from resolvers.errors import Conflict, InvalidInput
from resolvers.halyrd.config import parse_config
from resolvers.halyrd.evaluation import failing_gates, get_evaluation
from resolvers.halyrd.journal import append_entry
from resolvers.halyrd.refusals import Demoted, NotEligible
from resolvers.halyrd.signing import Signer, canonical, signer_for
from resolvers.halyrd.status import restart_window, set_status
from resolvers.views import View
from storage.base import utcnow

PHASE_OF = {"PAPER": "paper", "ELIGIBLE": "paper", "LIVE": "live", "DEMOTED": "paper"}


@dataclass(frozen=True, slots=True)
class Promotion(View):
    """The agent is LIVE; the hash of its signing session's first transaction."""

    status: Annotated[str, AGENT_STATUS]
    first_tx_hash: Annotated[str, "hash of the signing session's first tx"]


@dataclass(frozen=True, slots=True)
class Demotion(View):
    """The agent is back in PAPER."""

    status: Annotated[str, AGENT_STATUS]


@dataclass(frozen=True, slots=True)
class KillSwitch(View):
    """The signing session is revoked."""

    twak_session: Annotated[str, "always `revoked`"]


async def promote_agent(
    session: AsyncSession,
    *,
    agent_id: str,
    force: bool = False,
    signer: Signer | None = None,
    now: datetime | None = None,
) -> Promotion:
    """Go LIVE: open a signing session and return the hash of its opening transaction."""
    now = now or utcnow()
    agent = await get_trading_agent(session, agent_id=agent_id)
    if agent.status == "DEMOTED":
        raise Demoted(
            f"agent {agent.id} is demoted ({agent.status_reason}); wait for the reset or "
            "re-approve it with demote",
            details={"id": agent.id},
        )
    if agent.status == "LIVE":
        raise Conflict(f"agent {agent.id} is already LIVE", code="ALREADY_LIVE")
    bypassed: list[str] = []
    if agent.status != "ELIGIBLE":
        bypassed = failing_gates(await get_evaluation(session, agent_id=agent.id, now=now))
        if not force:
            why = "; ".join(bypassed) or "it passes now; the next runtime step marks it ELIGIBLE"
            raise NotEligible(
                f"agent {agent.id} is {agent.status}, not ELIGIBLE: {why}",
                details={"id": agent.id, "status": agent.status, "failing": bypassed},
            )
    config = parse_config(agent.config)
    signer = signer or signer_for(agent.id)
    tx_hash = signer.sign(
        canonical(
            {
                "type": "session_open",
                "agent": agent.id,
                "signer": signer.address,
                "allowlist": list(config.signing.allowlist),
                "per_trade_cap": config.signing.per_trade_cap,
                "daily_cap": config.signing.daily_cap,
                "ts": now.isoformat(),
            }
        )
    )
    forced = agent.status != "ELIGIBLE"
    agent.twak_session = "active"
    reason = f"force-promoted from {agent.status}" if forced else "promoted"
    if forced:
        reason += f" (bypassed: {'; '.join(bypassed) or 'none'})"
    await set_status(session, agent=agent, status="LIVE", phase="live", reason=reason, now=now)
    await append_entry(
        session,
        agent_id=agent.id,
        kind="status",
        message=f"signing session opened by {signer.address}: tx {tx_hash}",
        data={"tx_hash": tx_hash, "signer": signer.address, "forced": forced},
        ts=now,
    )
    return Promotion(status="LIVE", first_tx_hash=tx_hash)


async def demote_agent(
    session: AsyncSession, *, agent_id: str, now: datetime | None = None
) -> Demotion:
    """Back to PAPER with a fresh evaluation window (DEMOTED -> PAPER is a re-approval)."""
    now = now or utcnow()
    agent = await get_trading_agent(session, agent_id=agent_id)
    if agent.status == "PAPER":
        return Demotion(status="PAPER")
    previous = agent.status
    if previous == "LIVE" and agent.twak_session == "active":
        agent.twak_session = "none"
    reason = "re-approved by the operator" if previous == "DEMOTED" else "demoted by the operator"
    await set_status(session, agent=agent, status="PAPER", phase="paper", reason=reason, now=now)
    await restart_window(session, agent=agent, reason=reason, now=now)
    return Demotion(status="PAPER")


async def kill_agent(
    session: AsyncSession, *, agent_id: str, confirm: bool, now: datetime | None = None
) -> KillSwitch:
    """Revoke the signing session; a LIVE agent is DEMOTED. Needs `confirm` to be true."""
    if confirm is not True:
        raise InvalidInput(
            'the kill switch needs {"confirm": true}',
            code="CONFIRMATION_REQUIRED",
            details={"field": "confirm"},
        )
    now = now or utcnow()
    agent = await get_trading_agent(session, agent_id=agent_id)
    if agent.twak_session == "revoked" and agent.status != "LIVE":
        return KillSwitch(twak_session="revoked")
    previous_session = agent.twak_session
    agent.twak_session = "revoked"
    await session.flush()
    await append_entry(
        session,
        agent_id=agent.id,
        kind="status",
        message=f"kill switch: signing session revoked (was {previous_session})",
        data={"id": agent.id, "twak_session": "revoked", "previous": previous_session},
        ts=now,
    )
    if agent.status == "LIVE":
        await set_status(
            session,
            agent=agent,
            status="DEMOTED",
            phase=PHASE_OF["DEMOTED"],
            reason="kill switch",
            now=now,
        )
    return KillSwitch(twak_session="revoked")
