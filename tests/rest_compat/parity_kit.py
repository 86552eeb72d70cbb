"""Building blocks of the parity cases: the REST request and the GraphQL read of the same data."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from codegen.shapes import ENUMS, SHAPES

# the shapes GraphQL has an object type for (JSON data is its JSON scalar, compared as is)
SHAPE = {s.name: s for s in SHAPES if s.graphql}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def selection(shape: str) -> str:
    """The GraphQL selection set for every field of a shape."""
    parts = []
    for field in SHAPE[shape].fields:
        inner = field.type[5:-1] if field.type.startswith("list[") else field.type
        sub = f" {{ {selection(inner)} }}" if inner in SHAPE else ""
        parts.append(camel(field.name) + sub)
    return " ".join(parts)


def normalize(shape: str, value: dict[str, Any]) -> dict[str, Any]:
    """A GraphQL object rewritten into the shape's REST form."""
    out: dict[str, Any] = {}
    for field in SHAPE[shape].fields:
        raw = value[camel(field.name)]
        inner = field.type[5:-1] if field.type.startswith("list[") else field.type
        if raw is None:
            out[field.name] = None
        elif field.type.startswith("list[") and inner in SHAPE:
            out[field.name] = [normalize(inner, item) for item in raw]
        elif inner in SHAPE:
            out[field.name] = normalize(inner, raw)
        elif inner in ENUMS:
            # an enum member's name, or the value itself where GraphQL types the field String
            out[field.name] = {v.upper(): v for v in ENUMS[inner]}.get(raw, raw)
        elif inner == "int" and isinstance(raw, str):
            out[field.name] = int(raw)
        else:
            out[field.name] = raw
    return out


def page(shape: str, connection: dict[str, Any]) -> dict[str, Any]:
    info = connection["pageInfo"]
    return {
        "items": [normalize(shape, node) for node in connection["nodes"]],
        "total": connection["totalCount"],
        "next_cursor": info["endCursor"] if info["hasNextPage"] else None,
    }


def connection(shape: str) -> str:
    return f"totalCount pageInfo {{ hasNextPage endCursor }} nodes {{ {selection(shape)} }}"


Ids = dict[str, Any]


@dataclass(frozen=True)
class Case:
    operation: str
    rest: Callable[[httpx.AsyncClient, Ids], Awaitable[httpx.Response]]
    graphql: Callable[[Ids, Any], tuple[str, Any]]  # (document, how to pick the answer)


def rest_get(
    path: str, **params: Any
) -> Callable[[httpx.AsyncClient, Ids], Awaitable[httpx.Response]]:
    async def send(client: httpx.AsyncClient, ids: Ids) -> httpx.Response:
        return await client.get(path.format(**ids), params=params)

    return send


def rest_send(
    method: str, path: str, body: Callable[[Ids], dict[str, Any]] | None = None
) -> Callable[[httpx.AsyncClient, Ids], Awaitable[httpx.Response]]:
    async def send(client: httpx.AsyncClient, ids: Ids) -> httpx.Response:
        payload = body(ids) if body else None
        return await client.request(method, path.format(**ids), json=payload)

    return send


def one(shape: str, field: str, args: str) -> Callable[[Ids, Any], tuple[str, Any]]:
    def build(ids: Ids, rest: Any) -> tuple[str, Any]:
        query = f"{{ x: {field}{args.format(**ids, rest=rest)} {{ {selection(shape)} }} }}"
        return query, lambda data: normalize(shape, data["x"])

    return build


def many(shape: str, field: str, args: str = "") -> Callable[[Ids, Any], tuple[str, Any]]:
    def build(ids: Ids, rest: Any) -> tuple[str, Any]:
        query = f"{{ x: {field}{args.format(**ids)} {{ {selection(shape)} }} }}"
        return query, lambda data: [normalize(shape, item) for item in data["x"]]

    return build


def paged(shape: str, field: str, args: str) -> Callable[[Ids, Any], tuple[str, Any]]:
    def build(ids: Ids, rest: Any) -> tuple[str, Any]:
        query = f"{{ x: {field}{args.format(**ids)} {{ {connection(shape)} }} }}"
        return query, lambda data: page(shape, data["x"])

    return build


def lifecycle(ids: Ids, rest: Any) -> tuple[str, Any]:
    history = selection("LifecycleTransition")
    query = (
        f'{{ x: strategy(id: "{ids["quick"]}") {{ {selection("Strategy")} '
        f"history {{ {history} }} }} }}"
    )

    def pick(data: Any) -> Any:
        node = data["x"]
        return {
            "strategy": normalize("Strategy", node),
            "history": [normalize("LifecycleTransition", h) for h in node["history"]],
        }

    return query, pick


def agent_trades(ids: Ids, rest: Any) -> tuple[str, Any]:
    query = (
        '{ x: tradingAgent(id: "seed") { trades(phase: PAPER, first: 500) '
        f"{{ nodes {{ {selection('Trade')} }} }} }} }}"
    )
    return query, lambda data: [normalize("Trade", t) for t in data["x"]["trades"]["nodes"]]


def agent(
    shape: str, field: str, args: str = "", kind: str = "one"
) -> Callable[[Ids, Any], tuple[str, Any]]:
    """A field of the seed agent: one object, a list of them, or the last of a list."""

    def build(ids: Ids, rest: Any) -> tuple[str, Any]:
        query = f'{{ x: tradingAgent(id: "seed") {{ y: {field}{args} {{ {selection(shape)} }} }} }}'

        def pick(data: Any) -> Any:
            value = data["x"]["y"]
            if kind == "list":
                return [normalize(shape, item) for item in value]
            return normalize(shape, value[-1] if kind == "last" else value)

        return query, pick

    return build


def promotion(ids: Ids, rest: Any) -> tuple[str, Any]:
    """The tx hash promote answered is the one the journal recorded for the signing session."""
    query = '{ x: tradingAgent(id: "seed") { status journal(limit: 20) { entries { data } } } }'

    def pick(data: Any) -> Any:
        hashes = [
            e["data"]["tx_hash"]
            for e in data["x"]["journal"]["entries"]
            if "tx_hash" in e["data"] and "signer" in e["data"]
        ]
        return {"status": data["x"]["status"], "first_tx_hash": hashes[0]}

    return query, pick


def backtest_created(ids: Ids, rest: Any) -> tuple[str, Any]:
    query = f'{{ x: backtest(id: "{rest["backtest_id"]}") {{ id }} }}'
    return query, lambda data: {"backtest_id": data["x"]["id"]}
