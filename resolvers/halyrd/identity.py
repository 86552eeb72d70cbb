"""The agent's ERC-8004 identity fields, and its registration file as ERC-8004 describes it.

Honest scope: every field comes from the agent's configuration (`identity`: chain id, registry
address, domain) and its signer; nothing is registered on any chain, and the default chain id
(31337) is a local development chain.

- `agent_id` stands in for the ERC-721 token id a registry would mint: the first four bytes of
  SHA-256("<chain_id>:<registry>:<agent id>"), masked to 31 bits, so it is stable for the same
  agent, chain and registry and fits a GraphQL Int.
- `agent_registry` is CAIP-10 style: `eip155:<chain_id>:<registry address>`.
- Endpoints: `web` is the agent's resource on this API; `A2A` is the conventional agent-card
  location on the agent's domain (Tradegraph does not serve an agent card); `agentWallet` is the
  signer's address in CAIP-10 form. Registration-file keys in ERC-8004 are camelCase
  (`agentId`, `agentRegistry`, `supportedTrust`); the attributes here are their snake_case.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Annotated

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.agent_roster import get_trading_agent
from resolvers.halyrd.config import parse_config, summarize
from resolvers.halyrd.signing import signer_for
from resolvers.views import Doc, View

REGISTRATION_TYPE = "https://eips.ethereum.org/EIPS/eip-8004#registration-v1"
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")


@dataclass(frozen=True, slots=True)
class IdentityEndpoint(View):
    """An endpoint."""

    name: str
    endpoint: str


@dataclass(frozen=True, slots=True)
class IdentityRegistration(View):
    """One registry entry of the ERC-8004 registration file."""

    agent_id: Annotated[int, Doc(name="agentId")]
    agent_registry: Annotated[str, Doc(name="agentRegistry")]


@dataclass(frozen=True, slots=True)
class Identity(View):
    """ERC-8004 identity fields, in the standard's own (camelCase) names."""

    agent_id: Annotated[int, Doc(name="agentId")]
    agent_domain: Annotated[str, Doc(name="agentDomain")]
    agent_address: Annotated[str, Doc(name="agentAddress")]
    agent_registry: Annotated[str, Doc("eip155:<chain>:<registry>", name="agentRegistry")]
    chain_id: Annotated[int, Doc(name="chainId")]
    name: str
    # The registration-file shape (ERC-8004 registration-v1).
    type: str
    description: str
    endpoints: list[IdentityEndpoint]
    registrations: list[IdentityRegistration]
    supported_trust: Annotated[list[str], Doc(name="supportedTrust")]


def erc8004_agent_id(agent_id: str, *, chain_id: int, registry: str) -> int:
    """The stand-in token id (module docstring)."""
    digest = hashlib.sha256(f"{chain_id}:{registry.lower()}:{agent_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFF_FFFF


def base_url(domain: str) -> str:
    """http for a loopback domain (the seed binds to localhost), https otherwise."""
    host = domain.split(":")[0] if domain.count(":") == 1 else domain
    return f"{'http' if host in LOCAL_HOSTS else 'https'}://{domain}"


async def get_identity(session: AsyncSession, *, agent_id: str) -> Identity:
    """The agent's ERC-8004 identity fields (`current` allowed)."""
    agent = await get_trading_agent(session, agent_id=agent_id)
    config = parse_config(agent.config)
    facts = config.identity
    address = signer_for(agent.id).address
    registry = f"eip155:{facts.chain_id}:{facts.registry}"
    token_id = erc8004_agent_id(agent.id, chain_id=facts.chain_id, registry=facts.registry)
    base = base_url(facts.domain)
    return Identity(
        agent_id=token_id,
        agent_domain=facts.domain,
        agent_address=address,
        agent_registry=registry,
        chain_id=facts.chain_id,
        name=agent.name,
        type=REGISTRATION_TYPE,
        description=f"Halyrd trading agent {agent.id} ({agent.status}): {summarize(config)}",
        endpoints=[
            IdentityEndpoint(name="web", endpoint=f"{base}/agents/{agent.id}"),
            IdentityEndpoint(name="A2A", endpoint=f"{base}/.well-known/agent-card.json"),
            IdentityEndpoint(name="agentWallet", endpoint=f"eip155:{facts.chain_id}:{address}"),
        ],
        registrations=[IdentityRegistration(agent_id=token_id, agent_registry=registry)],
        supported_trust=["reputation"],
    )
