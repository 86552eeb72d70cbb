"""Approval type with its decision history and target, queries and decide mutations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from resolvers.approvals import decide_approval, get_approval, list_approvals
from schema.enums import ApprovalStatus
from schema.hypotheses import Hypothesis
from schema.loaders import loader
from schema.relay import Connection, to_connection, wants_total
from schema.scalars import int_id
from schema.strategies import Strategy
from schema.trading_agents import TradingAgent
from storage.approvals import Approval as ApprovalRow
from storage.approvals import ApprovalDecision as DecisionRow

ApprovalTarget = Annotated[Strategy | Hypothesis | TradingAgent, strawberry.union("ApprovalTarget")]


@strawberry.type
class ApprovalDecision:
    id: strawberry.ID
    action: str
    actor: str
    note: str
    created_at: datetime

    @classmethod
    def from_row(cls, row: DecisionRow) -> ApprovalDecision:
        return cls(
            id=strawberry.ID(str(row.id)),
            action=row.action,
            actor=row.actor,
            note=row.note,
            created_at=row.created_at,
        )


@strawberry.type
class Approval:
    id: strawberry.ID
    type: str
    target_type: str
    target_id: str
    owner: str
    summary: str
    status: ApprovalStatus
    classification: str | None
    deadline: datetime | None
    created_at: datetime
    decided_at: datetime | None

    @classmethod
    def from_row(cls, row: ApprovalRow) -> Approval:
        return cls(
            id=strawberry.ID(str(row.id)),
            type=row.type,
            target_type=row.target_type,
            target_id=row.target_id,
            owner=row.owner,
            summary=row.summary,
            status=ApprovalStatus(row.status),
            classification=row.classification,
            deadline=row.deadline,
            created_at=row.created_at,
            decided_at=row.decided_at,
        )

    @strawberry.field(description="Every decision taken on this approval, oldest first.")
    async def decisions(self, info: strawberry.Info) -> list[ApprovalDecision]:
        rows = await loader(info.context.scope, "decisions_by_approval").load(int(self.id))
        return [ApprovalDecision.from_row(row) for row in rows]

    @strawberry.field(description="The object awaiting approval, when it still exists.")
    async def target(self, info: strawberry.Info) -> ApprovalTarget | None:
        scope = info.context.scope
        if self.target_type == "strategy" and self.target_id.isdigit():
            row = await loader(scope, "strategy").load(int(self.target_id))
            return Strategy.from_row(row) if row else None
        if self.target_type == "hypothesis" and self.target_id.isdigit():
            hyp = await loader(scope, "hypothesis").load(int(self.target_id))
            return Hypothesis.from_row(hyp) if hyp else None
        if self.target_type == "trading_agent":
            agent = await loader(scope, "trading_agent").load(self.target_id)
            return TradingAgent.of(agent) if agent else None
        return None


@strawberry.type
class ApprovalQuery:
    @strawberry.field
    async def approval(self, info: strawberry.Info, id: strawberry.ID) -> Approval:
        row = await info.context.scope.run(get_approval, approval_id=int_id(id))
        return Approval.from_row(row)

    @strawberry.field(description="Approvals filtered by status, type, target and owner.")
    async def approvals(
        self,
        info: strawberry.Info,
        status: ApprovalStatus | None = None,
        type: str | None = None,
        target_type: str | None = None,
        target_id: str | None = None,
        owner: str | None = None,
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
            first=first,
            after=after,
            with_total=wants_total(info),
        )
        return to_connection(page, Approval.from_row)


async def _decide(info: strawberry.Info, id: strawberry.ID, decision: str, note: str) -> Approval:
    row = await info.context.scope.run(
        decide_approval, approval_id=int_id(id), decision=decision, note=note
    )
    return Approval.from_row(row)


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
