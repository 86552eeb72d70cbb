"""Approval type with its decision history, target and revision chain; queries and the
decide mutations; the approval settings mutation and the stored classification's read.

`updateApprovalModes` has no REST route yet (issue 17 adds PUT /api/settings/approvals on the
same resolver); `approvalClassification` reads what POST /api/approvals/{id}/classify stored.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from resolvers.approval_classifier import get_approval_classification
from resolvers.approval_decisions import decide_approval
from resolvers.approval_modes import update_approval_modes
from resolvers.approvals import approval_chain, get_approval, list_approvals
from schema.enums import ApprovalMode, ApprovalStatus
from schema.extend import extends
from schema.generated import approvals as generated
from schema.generated.approval_classifier import ApprovalClassification
from schema.generated.approval_modes import ApprovalModes
from schema.generated.approvals import ApprovalDecision
from schema.hypotheses import Hypothesis
from schema.loaders import loader
from schema.relay import Connection, to_connection, wants_total
from schema.scalars import JSON, int_id
from schema.strategies import Strategy
from schema.trading_agents import TradingAgent

ApprovalTarget = Annotated[Strategy | Hypothesis | TradingAgent, strawberry.union("ApprovalTarget")]


@extends
class Approval(generated.Approval):
    @strawberry.field(description="Every decision taken on this approval, oldest first.")
    async def decisions(self, info: strawberry.Info) -> list[ApprovalDecision]:
        decisions = await loader(info.context.scope, "decisions_by_approval").load(int(self.id))
        return [ApprovalDecision.of(view) for view in decisions]

    @strawberry.field(
        description="The revision chain this approval belongs to, first filing to newest."
    )
    async def revision_chain(self, info: strawberry.Info) -> list[Approval]:
        chain = await info.context.scope.run(approval_chain, approval_id=int(self.id))
        return [Approval.of(view) for view in chain]

    @strawberry.field(description="The object awaiting approval, when it still exists.")
    async def target(self, info: strawberry.Info) -> ApprovalTarget | None:
        scope = info.context.scope
        if self.target_type == "strategy" and self.target_id.isdigit():
            strategy = await loader(scope, "strategy").load(int(self.target_id))
            return Strategy.of(strategy) if strategy else None
        if self.target_type == "hypothesis" and self.target_id.isdigit():
            hyp = await loader(scope, "hypothesis").load(int(self.target_id))
            return Hypothesis.of(hyp) if hyp else None
        if self.target_type == "trading_agent":
            agent = await loader(scope, "trading_agent").load(self.target_id)
            return TradingAgent.of(agent) if agent else None
        return None


@strawberry.type
class ApprovalQuery:
    @strawberry.field
    async def approval(self, info: strawberry.Info, id: strawberry.ID) -> Approval:
        return Approval.of(await info.context.scope.run(get_approval, approval_id=int_id(id)))

    @strawberry.field(
        description="The classification stored on an approval (NOT_CLASSIFIED before one)."
    )
    async def approval_classification(
        self, info: strawberry.Info, id: strawberry.ID
    ) -> ApprovalClassification:
        view = await info.context.scope.run(get_approval_classification, approval_id=int_id(id))
        return ApprovalClassification.of(view)

    @strawberry.field(description="Approvals filtered by status, type, target and owner.")
    async def approvals(
        self,
        info: strawberry.Info,
        status: ApprovalStatus | None = None,
        type: str | None = None,
        target_type: str | None = None,
        target_id: str | None = None,
        owner: str | None = None,
        revision_of: int | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Approval]:
        page = await info.context.scope.run(
            list_approvals,
            status=status.value if status else None,
            type=type,
            target_type=target_type,
            target_id=target_id,
            owner=owner,
            revision_of=revision_of,
            first=first,
            after=after,
            with_total=wants_total(info),
        )
        return to_connection(page, Approval.of)


async def _decide(info: strawberry.Info, id: strawberry.ID, decision: str, note: str) -> Approval:
    view = await info.context.scope.run(
        decide_approval, approval_id=int_id(id), decision=decision, note=note
    )
    return Approval.of(view)


@strawberry.type
class ApprovalMutation:
    @strawberry.mutation
    async def approve_approval(
        self, info: strawberry.Info, id: strawberry.ID, note: str = ""
    ) -> Approval:
        return await _decide(info, id, "approve", note)

    @strawberry.mutation
    async def deny_approval(
        self, info: strawberry.Info, id: strawberry.ID, note: str = ""
    ) -> Approval:
        return await _decide(info, id, "deny", note)

    @strawberry.mutation(
        description=(
            "Change the approval settings (the fields given; others kept). "
            "Issue 17's PUT /api/settings/approvals calls the same resolver."
        )
    )
    async def update_approval_modes(
        self,
        info: strawberry.Info,
        mode: ApprovalMode | None = None,
        deadline_seconds: int | None = None,
        type_deadlines: JSON | None = None,
        escalation_owner: str | None = None,
        smart_threshold: float | None = None,
    ) -> ApprovalModes:
        view = await info.context.scope.run(
            update_approval_modes,
            mode=mode.value if mode else None,
            deadline_seconds=deadline_seconds,
            type_deadlines=type_deadlines,
            escalation_owner=escalation_owner,
            smart_threshold=smart_threshold,
        )
        return ApprovalModes.of(view)
