"""What approving a brain proposal does (resolvers/approval_actions.py ACTIONS).

brain.hypothesis: creates the hypothesis from the payload (title, thesis, mechanism, lane;
source `generated`: machine-authored). brain.transition: runs the lifecycle transition of the
payload's strategy to its target, gates checked now; 409 APPROVAL_STALE when the strategy has
left the stage the proposal was filed from (deny it and ask again), and the lifecycle's own refusals
(INVALID_TRANSITION, NOT_READY) otherwise. A refusal leaves the approval pending.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import Conflict
from resolvers.hypotheses import Hypothesis, create_hypothesis
from resolvers.lab.services import Lab
from resolvers.lifecycle import transition_strategy
from resolvers.strategies import Strategy, strategy_row
from storage.approvals import Approval


async def approve_brain_hypothesis(
    session: AsyncSession, *, approval: Approval, actor: str, lab: Lab
) -> Hypothesis:
    """Create the proposed hypothesis."""
    payload = approval.payload
    return await create_hypothesis(
        session,
        title=str(payload.get("title", "")),
        thesis=str(payload.get("thesis", "")),
        mechanism=str(payload.get("mechanism", "")),
        lane=str(payload.get("lane", "general")),
        source="generated",  # machine-authored (the sources are manual, url, generated, demo)
    )


async def approve_brain_transition(
    session: AsyncSession, *, approval: Approval, actor: str, lab: Lab
) -> Strategy:
    """Run the proposed transition through the lifecycle (its gates checked now)."""
    payload = approval.payload
    strategy = await strategy_row(session, strategy_id=int(payload["strategy_id"]))
    if strategy.stage != payload.get("from_stage"):
        raise Conflict(
            f"approval {approval.id} was filed with strategy {strategy.id} at "
            f"{payload.get('from_stage')}; it is at {strategy.stage} now",
            code="APPROVAL_STALE",
            details={"stage": strategy.stage, "filed_from": payload.get("from_stage")},
        )
    return await transition_strategy(
        session,
        strategy_id=strategy.id,
        target=str(payload["target"]),
        reason=f"approval {approval.id} approved (proposed by the brain)",
        actor=actor,
        lab=lab,
    )
