"""Settings sections, stored API keys and the operator profile through the generated layer:
defaults, partial updates, codes, events, the sandbox and verdict readers seeing changes at
once, secrets sealed at rest (the WAL too) and rotation re-sealing them."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from resolvers.secrets import SecretStore
from resolvers.settings.api_keys import open_api_key, rotate_secrets
from resolvers.settings.sandbox import SandboxSettings, get_sandbox_settings
from resolvers.settings.verdict import effective_thresholds
from storage.events import Event
from storage.mcp import McpServer
from storage.settings import ApiKey
from tests.labs import app_lab, use_lab
from tests.rest_compat.helpers import sessions
from tests.rest_compat.parity_kit import many
from tests.schema.helpers import gql

SECRET = "hl-secret-0123456789abcdef"
KEY = {"name": "hl-main", "provider": "hyperliquid", "kind": "exchange", "value": SECRET}


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert (response.status_code, response.json()["code"]) == (status, code), response.text
    return response.json()


async def events(app: Any, prefix: str) -> list[Event]:
    async with sessions(app)() as session:
        rows = (await session.scalars(select(Event).order_by(Event.id))).all()
        return [e for e in rows if e.topic.startswith(prefix)]


def section(body: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in body["sections"] if s["name"] == name)


class TestSettings:
    async def test_get_answers_every_section_with_defaults(self, client: httpx.AsyncClient) -> None:
        body = (await client.get("/api/settings")).json()
        assert [s["name"] for s in body["sections"]] == ["approvals", "sandbox", "verdict"]
        sandbox = section(body, "sandbox")
        assert sandbox["values"]["enabled"] is False and sandbox["updated_at"] is None
        enabled = next(f for f in sandbox["fields"] if f["name"] == "enabled")
        assert (enabled["type"], enabled["default"]) == ("bool", False)
        approvals = section(body, "approvals")
        assert approvals["values"]["mode"] == "manual"
        mode = next(f for f in approvals["fields"] if f["name"] == "mode")
        assert mode["choices"] == ["manual", "smart", "off"]
        assert section(body, "verdict")["values"]["min_trades"] == 30

    async def test_sandbox_update_is_partial_and_read_at_once(
        self, client: httpx.AsyncClient, app: Any
    ) -> None:
        response = await client.put("/api/settings/sandbox", json={"values": {"enabled": True}})
        assert response.status_code == 200, response.text
        assert response.json()["values"]["enabled"] is True
        response = await client.put(
            "/api/settings/sandbox", json={"values": {"cpu_seconds": 5, "memory_mb": 256}}
        )
        assert response.json()["values"]["enabled"] is True
        async with sessions(app)() as session:
            seen = await get_sandbox_settings(session)
        assert seen == SandboxSettings(enabled=True, cpu_seconds=5, memory_mb=256)
        updated = await events(app, "settings.updated")
        assert [e.payload["changed"] for e in updated] == [
            ["enabled"],
            ["cpu_seconds", "memory_mb"],
        ]

    async def test_approvals_delegate_to_the_approval_modes(
        self, client: httpx.AsyncClient, app: Any
    ) -> None:
        response = await client.put(
            "/api/settings/approvals", json={"values": {"mode": "smart", "smart_threshold": 0.2}}
        )
        assert response.status_code == 200, response.text
        modes = (await client.get("/api/approvals/modes")).json()
        assert (modes["mode"], modes["smart_threshold"]) == ("smart", 0.2)
        assert [e.topic for e in await events(app, "approval_modes")] == ["approval_modes.updated"]
        bad = await client.put("/api/settings/approvals", json={"values": {"mode": "auto"}})
        assert_error(bad, 422, "SETTING_OUT_OF_RANGE")
        owner = await client.put(
            "/api/settings/approvals", json={"values": {"escalation_owner": "  "}}
        )
        assert_error(owner, 422, "INVALID_OWNER")

    async def test_verdict_overrides_reach_the_battery(
        self, client: httpx.AsyncClient, app: Any
    ) -> None:
        response = await client.put("/api/settings/verdict", json={"values": {"min_trades": 50}})
        assert response.status_code == 200, response.text
        async with sessions(app)() as session:
            thresholds = await effective_thresholds(session, app_lab(app))
        assert thresholds.min_trades == 50
        assert thresholds.folds == app_lab(app).config.verdict.folds
        refused = await client.put("/api/settings/verdict", json={"values": {"significance": 1}})
        assert_error(refused, 422, "INVALID_SETTING")
        async with sessions(app)() as session:
            assert (await effective_thresholds(session, app_lab(app))).significance == 0.95

    @pytest.mark.parametrize(
        ("path", "values", "code", "named"),
        [
            ("/api/settings/nope", {"enabled": True}, "UNKNOWN_SETTINGS_SECTION", "nope"),
            ("/api/settings/sandbox", {"enable": True}, "UNKNOWN_SETTING", "enable"),
            ("/api/settings/sandbox", {"enabled": "yes"}, "INVALID_SETTING_TYPE", "enabled"),
            ("/api/settings/sandbox", {"cpu_seconds": 1.5}, "INVALID_SETTING_TYPE", "cpu_seconds"),
            ("/api/settings/sandbox", {"cpu_seconds": 0}, "SETTING_OUT_OF_RANGE", "cpu_seconds"),
            ("/api/settings/sandbox", {}, "NO_CHANGES", "sandbox"),
            ("/api/settings/sandbox", [1], "INVALID_SETTINGS", "sandbox"),
        ],
    )
    async def test_refusals_name_what_is_wrong(
        self, client: httpx.AsyncClient, app: Any, path: str, values: Any, code: str, named: str
    ) -> None:
        body = assert_error(await client.put(path, json={"values": values}), 422, code)
        assert named in (body["detail"].get("field"), body["detail"].get("section"))
        async with sessions(app)() as session:
            assert await get_sandbox_settings(session) == SandboxSettings()
        assert await events(app, "settings") == []

    async def test_graphql_reads_and_updates(self, client: httpx.AsyncClient) -> None:
        body = await gql(
            client,
            'mutation { x: updateSettingsSection(section: "sandbox", '
            "values: {max_processes: 4}) { name values } }",
        )
        assert body["data"]["x"]["values"]["max_processes"] == 4
        read = await gql(client, "{ settings { sections { name updatedAt } } }")
        names = [s["name"] for s in read["data"]["settings"]["sections"]]
        assert names == ["approvals", "sandbox", "verdict"]


class TestApiKeys:
    async def test_store_list_delete(self, client: httpx.AsyncClient, app: Any) -> None:
        created = await client.post("/api/settings/api-keys", json={**KEY, "label": "main"})
        assert created.status_code == 201, created.text
        assert created.json()["value"] == "********"
        listed = await client.get("/api/settings/api-keys")
        assert [(k["name"], k["kind"], k["value"]) for k in listed.json()] == [
            ("hl-main", "exchange", "********")
        ]
        async with sessions(app)() as session:
            assert await open_api_key(session, "hl-main", lab=app_lab(app)) == SECRET
        assert_error(await client.post("/api/settings/api-keys", json=KEY), 409, "API_KEY_EXISTS")
        deleted = await client.delete("/api/settings/api-keys", params={"name": "hl-main"})
        assert deleted.status_code == 200 and deleted.json()["name"] == "hl-main"
        gone = await client.delete("/api/settings/api-keys", params={"name": "hl-main"})
        assert_error(gone, 404, "NOT_FOUND")
        assert [e.topic for e in await events(app, "api_key")] == [
            "api_key.created", "api_key.deleted",
        ]  # fmt: skip
        for answer in (created, listed, deleted, gone):
            assert SECRET not in answer.text

    @pytest.mark.parametrize(
        ("change", "field"),
        [({"name": "Bad Name"}, "name"), ({"provider": ""}, "provider"),
         ({"value": "   "}, "value"), ({"label": "x" * 201}, "label")],
    )  # fmt: skip
    async def test_bad_fields_are_named_never_the_value(
        self, client: httpx.AsyncClient, change: dict[str, str], field: str
    ) -> None:
        response = await client.post("/api/settings/api-keys", json={**KEY, **change})
        assert assert_error(response, 422, "INVALID_API_KEY")["detail"]["field"] == field
        assert SECRET not in response.text

    async def test_plaintext_is_absent_from_the_database_file_and_events(
        self, client: httpx.AsyncClient, app: Any, settings: Any
    ) -> None:
        await client.post("/api/settings/api-keys", json=KEY)
        graphql = await gql(client, "{ apiKeys { name value } }")
        assert graphql["data"]["apiKeys"] == [{"name": "hl-main", "value": "********"}]
        raw = Path(settings.resolved_database_url.split("///", 1)[1])
        with sqlite3.connect(raw) as db:
            tokens = db.execute("SELECT token FROM api_keys").fetchall()
            payloads = db.execute("SELECT payload FROM events").fetchall()
        assert tokens and all(SECRET not in token for (token,) in tokens)
        assert all(SECRET not in str(p) for (p,) in payloads)
        for path in raw.parent.glob(raw.name + "*"):  # the WAL too
            assert SECRET.encode() not in path.read_bytes()

    async def test_rotation_reseals_under_the_newest_key(
        self, client: httpx.AsyncClient, app: Any, settings: Any
    ) -> None:
        await client.post("/api/settings/api-keys", json=KEY)
        mcp = {"name": "remote", "transport": "http", "url": "https://mcp.example.com/mcp",
               "headers": {"Authorization": SECRET}}  # fmt: skip
        assert (await client.post("/api/mcp/servers", json=mcp)).status_code == 201
        old = (settings.data_dir / "secret.key").read_text().split()[0].encode()
        new = Fernet.generate_key()
        lab = use_lab(app, replace(app_lab(app), _secrets=SecretStore([new, old])))
        async with sessions(app)() as session:
            before = (await session.get(ApiKey, "hl-main")).token  # type: ignore[union-attr]
            assert await rotate_secrets(session, lab=lab) == 2  # the API key and the header
            await session.commit()
        async with sessions(app)() as session:
            after = (await session.get(ApiKey, "hl-main")).token  # type: ignore[union-attr]
            server = await session.get(McpServer, "remote")
        assert server is not None
        assert SecretStore([new]).open(server.headers["Authorization"]) == SECRET
        assert after != before
        # the old key left the ring: the re-sealed token still opens, the old one does not
        assert SecretStore([new]).open(after) == SECRET
        with pytest.raises(Exception, match="cannot be decrypted"):
            SecretStore([new]).open(before)


class TestProfile:
    async def test_defaults_then_partial_updates(self, client: httpx.AsyncClient, app: Any) -> None:
        body = (await client.get("/api/profile")).json()
        assert body == {"name": "", "timezone": "UTC", "risk_per_trade": 0.01, "rules": [],
                        "preferences": {}, "updated_at": None}  # fmt: skip
        response = await client.put(
            "/api/profile", json={"name": "Ada", "timezone": "Europe/Berlin"}
        )
        assert response.status_code == 200, response.text
        response = await client.put(
            "/api/profile",
            json={"rules": ["no trades on FOMC days"], "preferences": {"theme": "dark", "n": 3}},
        )
        body = response.json()
        assert (body["name"], body["timezone"]) == ("Ada", "Europe/Berlin")
        assert body["rules"] == ["no trades on FOMC days"]
        assert body["preferences"] == {"theme": "dark", "n": 3}
        assert body == (await client.get("/api/profile")).json()
        changed = [e.payload["changed"] for e in await events(app, "profile.updated")]
        assert changed == [["name", "timezone"], ["preferences", "rules"]]

    @pytest.mark.parametrize(
        ("body", "code"),
        [
            ({"timezone": "Mars/Olympus"}, "UNKNOWN_TIMEZONE"),
            ({"timezone": "../etc/passwd"}, "UNKNOWN_TIMEZONE"),
            ({"risk_per_trade": 0}, "INVALID_RISK"),
            ({"risk_per_trade": 0.5}, "INVALID_RISK"),
            ({"rules": ["ok", " "]}, "INVALID_RULES"),
            ({"rules": ["r"] * 51}, "INVALID_RULES"),
            ({"preferences": {"a": {"nested": 1}}}, "INVALID_PREFERENCES"),
            ({"preferences": {f"k{i}": i for i in range(51)}}, "INVALID_PREFERENCES"),
            ({"name": "x" * 81}, "INVALID_NAME"),
            ({}, "NO_CHANGES"),
        ],
    )
    async def test_refusals(
        self, client: httpx.AsyncClient, app: Any, body: dict[str, Any], code: str
    ) -> None:
        assert_error(await client.put("/api/profile", json=body), 422, code)
        assert await events(app, "profile") == []

    async def test_graphql_twin(self, client: httpx.AsyncClient) -> None:
        body = await gql(
            client, 'mutation { x: updateProfile(timezone: "Asia/Tokyo") { timezone } }'
        )
        assert body["data"]["x"] == {"timezone": "Asia/Tokyo"}
        bad = await gql(client, 'mutation { x: updateProfile(timezone: "Nowhere") { timezone } }')
        assert bad["errors"][0]["extensions"]["code"] == "UNKNOWN_TIMEZONE"


async def test_the_verdict_guide_shows_stored_thresholds(client: httpx.AsyncClient) -> None:
    """The battery's readers see an override without a restart (the guide documents the
    thresholds POST /verdict and the gauntlet judge with: the same effective_thresholds)."""
    before = (await client.get("/verdict/guide")).text
    await client.put("/api/settings/verdict", json={"values": {"min_trades": 77}})
    after = (await client.get("/verdict/guide")).text
    assert "77" not in before and "77" in after


async def test_delete_answers_what_graphql_read_before(client: httpx.AsyncClient) -> None:
    await client.post("/api/settings/api-keys", json=KEY)
    document, pick = many("StoredApiKey", "apiKeys")({}, None)
    (before,) = pick((await gql(client, document))["data"])
    response = await client.delete("/api/settings/api-keys", params={"name": "hl-main"})
    assert response.status_code == 200
    assert response.json() == before
