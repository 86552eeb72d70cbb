"""Risk objectives, the evaluation that makes an agent ELIGIBLE, and its ERC-8004 identity."""

from __future__ import annotations

import strawberry

from resolvers.halyrd.evaluation import Evaluation as EvaluationResult
from resolvers.halyrd.identity import Identity as IdentityResult
from resolvers.halyrd.risk import Objective as ObjectiveResult
from schema.enums import AgentStatus


@strawberry.type(description="One risk objective: a ceiling, the value now, and the room left.")
class Objective:
    rule: str
    current: float
    limit: float
    headroom_pct: float = strawberry.field(description="(limit - current) / limit x 100")
    holds: bool

    @classmethod
    def of(cls, o: ObjectiveResult) -> Objective:
        return cls(
            rule=o.rule, current=o.current, limit=o.limit, headroom_pct=o.headroom_pct,
            holds=o.holds,
        )  # fmt: skip


@strawberry.type(description="Where the agent stands against its promotion gates.")
class Evaluation:
    state: AgentStatus
    objectives: list[Objective] = strawberry.field(
        description="Each objective's worst value within the evaluation window."
    )
    window_days_elapsed: float
    window_days: float
    trade_floor: int
    trades: int
    eligible: bool

    @classmethod
    def of(cls, e: EvaluationResult) -> Evaluation:
        return cls(
            state=AgentStatus(e.state),
            objectives=[Objective.of(o) for o in e.objectives],
            window_days_elapsed=e.window_days_elapsed,
            window_days=e.window_days,
            trade_floor=e.trade_floor,
            trades=e.trades,
            eligible=e.eligible,
        )


@strawberry.type
class IdentityEndpoint:
    name: str
    endpoint: str


@strawberry.type
class IdentityRegistration:
    agent_id: int = strawberry.field(name="agentId")
    agent_registry: str = strawberry.field(name="agentRegistry")


@strawberry.type(description="ERC-8004 identity fields, from configuration (nothing on chain).")
class Identity:
    agent_id: int
    agent_domain: str
    agent_address: str
    agent_registry: str
    chain_id: int
    name: str
    type: str
    description: str
    endpoints: list[IdentityEndpoint]
    registrations: list[IdentityRegistration]
    supported_trust: list[str]

    @classmethod
    def of(cls, i: IdentityResult) -> Identity:
        return cls(
            agent_id=i.agent_id,
            agent_domain=i.agent_domain,
            agent_address=i.agent_address,
            agent_registry=i.agent_registry,
            chain_id=i.chain_id,
            name=i.name,
            type=i.type,
            description=i.description,
            endpoints=[IdentityEndpoint(name=p.name, endpoint=p.endpoint) for p in i.endpoints],
            registrations=[
                IdentityRegistration(agent_id=r.agent_id, agent_registry=r.agent_registry)
                for r in i.registrations
            ],
            supported_trust=list(i.supported_trust),
        )
