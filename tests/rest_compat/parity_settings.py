"""Parity cases of the settings, API-key and profile routes (collected by test_parity.py).

PUT /api/settings/{section} answers one section: its twin is that section of the GraphQL
`settings` read. DELETE /api/settings/api-keys answers what it removed, so its twin is the
read just before (READ_BEFORE; test_settings_routes.py compares them).
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.rest_compat.parity_kit import (
    Case,
    Ids,
    many,
    normalize,
    one,
    rest_get,
    rest_send,
    selection,
)

READ_BEFORE = {"delete_api_key"}
KEY = {"name": "parity-new", "provider": "openai", "kind": "data_source", "value": "sk-parity"}


def read_section(ids: Ids, rest: Any) -> tuple[str, Any]:
    query = f"{{ x: settings {{ {selection('Settings')} }} }}"
    return query, lambda data: next(
        section
        for section in normalize("Settings", data["x"])["sections"]
        if section["name"] == rest["name"]
    )


CASES: list[Case] = [
    Case("get_settings", rest_get("/api/settings"), one("Settings", "settings", "")),
    Case("update_settings_section",
         rest_send("PUT", "/api/settings/sandbox", lambda ids: {"values": {"cpu_seconds": 7}}),
         read_section),
    Case("list_api_keys", rest_get("/api/settings/api-keys"), many("StoredApiKey", "apiKeys")),
    Case("create_api_key", rest_send("POST", "/api/settings/api-keys", lambda ids: KEY),
         lambda ids, rest: (
             f"{{ x: apiKeys {{ {selection('StoredApiKey')} }} }}",
             lambda data: next(normalize("StoredApiKey", k) for k in data["x"]
                               if k["name"] == "parity-new"),
         )),
    Case("get_profile", rest_get("/api/profile"), one("Profile", "profile", "")),
    Case("update_profile",
         rest_send("PUT", "/api/profile",
                   lambda ids: {"name": "Parity", "rules": ["r1"], "preferences": {"a": 1}}),
         one("Profile", "profile", "")),
]  # fmt: skip


async def prepare(client: httpx.AsyncClient, ids: Ids) -> Ids:
    """A stored key to list."""
    response = await client.post(
        "/api/settings/api-keys",
        json={"name": "parity-stored", "provider": "hyperliquid", "kind": "exchange",
              "value": "hl-parity-secret"},
    )  # fmt: skip
    assert response.status_code == 201, response.text
    return {}
