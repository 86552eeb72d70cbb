"""Risk objectives, the evaluation that makes an agent ELIGIBLE, and its ERC-8004 identity."""

from __future__ import annotations

import strawberry

from resolvers.halyrd.identity import Identity as IdentityResult
from schema.generated import halyrd_evaluation, halyrd_risk

Objective = halyrd_risk.Objective
Evaluation = halyrd_evaluation.Evaluation


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
