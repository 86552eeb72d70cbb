"""What approving an approval does, by its type: the one table of actions behind the queue.

Agents, routines and the pipeline never act on what needs a decision: they file an approval
(resolvers/approvals.py create_approval) whose `type` is a key here and whose `payload` holds
the action's parameters. Approving it runs the action in the decision's transaction
(resolvers/approval_decisions.py); an action that refuses (a DomainError: NOT_READY,
APPROVAL_STALE, ...) leaves the approval pending and nothing written. A type with no action
here is a decision only: approving records it, and whoever filed it reads the decision.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.brain.actions import approve_brain_hypothesis, approve_brain_transition
from resolvers.lab.services import Lab
from resolvers.lifecycle import PROMOTION, execute_promotion
from resolvers.routines import APPROVAL_TYPE as ROUTINE
from resolvers.routines import activate_routine
from storage.approvals import Approval

# called as action(session, approval=<the row>, actor=<who approved>, lab=lab)
Action = Callable[..., Awaitable[object]]

ACTIONS: dict[str, Action] = {
    PROMOTION: execute_promotion,
    ROUTINE: activate_routine,  # a brain-authored routine becomes active
    # the brain's proposals (resolvers/brain/run.py files them; resolvers/brain/actions.py)
    "brain.hypothesis": approve_brain_hypothesis,
    "brain.transition": approve_brain_transition,
}


async def carry_out(session: AsyncSession, *, approval: Approval, actor: str, lab: Lab) -> None:
    """Run the action an approved approval stands for (nothing for a decision-only type)."""
    action = ACTIONS.get(approval.type)
    if action is not None:
        await action(session, approval=approval, actor=actor, lab=lab)
