"""Apps with chosen keys for the GraphQL access tests, and reading a refusal from either face.

Over HTTP the guard middleware answers a missing API key before routing (REST's envelope,
`{"code", "detail"}`); everything past it answers in GraphQL's shape (`errors[].extensions`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from server.app import create_app
from server.settings import Settings, load_settings
from tests.access_rules import API, OPERATOR

BOTH = {"x-api-key": API, "x-operator-key": OPERATOR}


def keyed_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings on a fresh SQLite file with no keys unless given (the environment cannot add
    any: every key is passed explicitly)."""
    values: dict[str, Any] = {
        "database_url": f"sqlite+aiosqlite:///{data_dir / 'graphql.db'}",
        "data_dir": data_dir,
        "demo": False,
        "rate_limit": "",
        "api_key": None,
        "operator_key": None,
        **overrides,
    }
    return load_settings(**values)


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[Any]:
    """The app for `settings` with its lifespan running."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


@asynccontextmanager
async def client_for(app: Any, headers: dict[str, str] | None = None) -> AsyncIterator[Any]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=headers or {}
    ) as http:
        yield http


def refusal(response: httpx.Response) -> tuple[int, str] | None:
    """(status, code) when the response refused the caller, None when the operation ran."""
    body = response.json()
    if "code" in body:  # the guard's envelope
        return response.status_code, body["code"]
    if "data" in body:
        return None
    extensions = body["errors"][0]["extensions"]
    assert extensions["http"]["status"] == response.status_code, body
    return response.status_code, extensions["code"]
