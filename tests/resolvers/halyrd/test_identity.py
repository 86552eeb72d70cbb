"""ERC-8004 identity fields from configuration and the signer."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.errors import NotFound
from resolvers.halyrd.identity import REGISTRATION_TYPE, base_url, get_identity
from resolvers.halyrd.signing import signer_for
from tests.resolvers.halyrd.h3_helpers import make_agent

REGISTRY = "0x8004A818BFB912233c491871b3d84c89A494BD9e"


class TestGetIdentity:
    async def test_fields_come_from_config_and_signer(self, session: AsyncSession) -> None:
        config = {"identity": {"chain_id": 84532, "registry": REGISTRY, "domain": "agent.example"}}
        agent = await make_agent(session, agent_id="alpha", config=config)
        identity = await get_identity(session, agent_id="current")
        digest = hashlib.sha256(f"84532:{REGISTRY.lower()}:alpha".encode()).digest()
        token_id = int.from_bytes(digest[:4], "big") & 0x7FFFFFFF
        address = signer_for("alpha").address
        assert identity.agent_id == token_id
        assert 0 <= identity.agent_id < 2**31
        assert identity.agent_domain == "agent.example"
        assert identity.agent_address == address
        assert identity.agent_registry == f"eip155:84532:{REGISTRY}"
        assert (identity.chain_id, identity.name) == (84532, agent.name)
        assert identity.type == REGISTRATION_TYPE
        assert identity.description.startswith("Halyrd trading agent alpha (PAPER): ma_cross(")
        assert [(e.name, e.endpoint) for e in identity.endpoints] == [
            ("web", "https://agent.example/agents/alpha"),
            ("A2A", "https://agent.example/.well-known/agent-card.json"),
            ("agentWallet", f"eip155:84532:{address}"),
        ]
        [registration] = identity.registrations
        assert (registration.agent_id, registration.agent_registry) == (
            token_id,
            identity.agent_registry,
        )
        assert identity.supported_trust == ["reputation"]

    async def test_stable_per_agent_and_distinct_across_agents(self, session: AsyncSession) -> None:
        await make_agent(session, agent_id="one")
        await make_agent(session, agent_id="two")
        first = await get_identity(session, agent_id="one")
        assert first == await get_identity(session, agent_id="one")
        second = await get_identity(session, agent_id="two")
        assert first.agent_id != second.agent_id
        assert first.agent_address != second.agent_address
        assert first.agent_registry == "eip155:31337:0x0000000000000000000000000000000000008004"

    async def test_unknown_agent(self, session: AsyncSession) -> None:
        with pytest.raises(NotFound):
            await get_identity(session, agent_id="missing")

    @pytest.mark.parametrize(
        ("domain", "url"),
        [
            ("localhost", "http://localhost"),
            ("localhost:8000", "http://localhost:8000"),
            ("127.0.0.1:8000", "http://127.0.0.1:8000"),
            ("agent.example", "https://agent.example"),
        ],
    )
    def test_loopback_domains_use_http(self, domain: str, url: str) -> None:
        assert base_url(domain) == url
