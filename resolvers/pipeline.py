"""The scheduler's `pipeline` job: promote what is ready, as far as the autonomy mode allows.

Each pass looks at every active strategy below live, oldest first, and computes the gates of
its next stage (resolvers/readiness.py) at `now` on the lab clock. A strategy whose gates
all pass is either moved (actor "pipeline") or, when the mode says that move needs an
operator (resolvers.control.approval_needed), queued as one pending "promotion" approval
(owner "pipeline", summary naming the move). While such an approval is pending for the same
move, no second one is filed; one filed from a stage the strategy has since left does not
block a fresh one (approving it answers 409 APPROVAL_STALE). Strategies whose gates fail are
left alone, with one exception: a research_only strategy whose only failing gate is
gauntlet_passed, and that has no gauntlet on its current family and parameters yet, gets one
started (resolvers/research/gauntlet.py; the job runner works it off, and a later pass promotes
it once it passed). A failed gauntlet is not started again by the pipeline: an operator
retries its steps or changes the strategy. The job never moves a strategy more than one stage
per pass.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.approvals import create_approval
from resolvers.control import approval_needed, load_control
from resolvers.lab.services import Lab
from resolvers.lifecycle import PROMOTION, promotion_move, promotion_summary, transition_strategy
from resolvers.readiness import evaluate_gates, next_stage
from resolvers.research.gauntlet import create_gauntlet_workflow
from resolvers.research.gauntlet_gate import latest_gauntlet
from storage.approvals import Approval
from storage.strategies import Strategy

ACTOR = "pipeline"
GAUNTLET_GATE = "gauntlet_passed"


async def _pending_moves(session: AsyncSession) -> set[tuple[str, str | None]]:
    """(strategy id, stage filed from) of every pending promotion approval."""
    stmt = select(Approval.target_id, Approval.summary).where(
        Approval.type == PROMOTION,
        Approval.target_type == "strategy",
        Approval.status == "pending",
    )
    moves = set()
    for target_id, summary in (await session.execute(stmt)).all():
        move = promotion_move(summary)
        moves.add((target_id, move[0] if move else None))
    return moves


async def advance_pipeline(session: AsyncSession, *, lab: Lab, now: datetime) -> int:
    """Promote, or queue for approval, the strategies whose gates pass, and start the gauntlet
    of those it alone holds back; returns how many strategies it acted on."""
    mode = (await load_control(session)).mode
    pending = await _pending_moves(session)
    stmt = (
        select(Strategy)
        .where(Strategy.status == "active", Strategy.stage != "live")
        .order_by(Strategy.id)
    )
    acted = 0
    for strategy in list((await session.execute(stmt)).scalars()):
        target = next_stage(strategy.stage)
        if target is None:
            continue
        if approval_needed(mode, target) and (str(strategy.id), strategy.stage) in pending:
            continue
        gates = await evaluate_gates(session, strategy=strategy, target=target, lab=lab, now=now)
        failing = [gate.name for gate in gates if not gate.passed]
        if failing == [GAUNTLET_GATE] and await latest_gauntlet(session, strategy=strategy) is None:
            await create_gauntlet_workflow(session, strategy_id=strategy.id, lab=lab)
            acted += 1
            continue
        if failing:
            continue
        if approval_needed(mode, target):
            await create_approval(
                session,
                type=PROMOTION,
                target_type="strategy",
                target_id=str(strategy.id),
                owner=ACTOR,
                summary=promotion_summary(strategy, target),
            )
        else:
            await transition_strategy(
                session,
                strategy_id=strategy.id,
                target=target,
                reason="every readiness gate passes",
                actor=ACTOR,
                lab=lab,
                now=now,
            )
        acted += 1
    return acted
