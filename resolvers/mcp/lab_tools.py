"""The lab's own tools as MCP serves them at /mcp (server/mcp_server.py is the transport).

They are the agents' tool registry (resolvers/tools.py TOOLS: strategies, readiness, the
verdict, gauntlets, datasets, trades, agents, approvals, skills, propose_approval) plus
`run_backtest` (resolvers/backtests.py, POST /backtests). Each tool's input schema is derived
from its resolver's keyword arguments (the session and the lab are the server's, not the
caller's). Nothing here acts on the book by itself: the one mutating tool, propose_approval,
files a pending approval exactly as the brain's runs do, and an operator decides it.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import pydantic
from sqlalchemy.ext.asyncio import AsyncSession

from resolvers import backtests
from resolvers.errors import InvalidInput, NotFound
from resolvers.lab.inject import with_lab
from resolvers.lab.services import Lab
from resolvers.pagination import Page
from resolvers.tools import TOOLS, Tool
from resolvers.views import jsonable

SERVER_SIDE = frozenset({"session", "lab"})

LAB_TOOLS: tuple[Tool, ...] = (
    *TOOLS,
    Tool("run_backtest", "Run and store one backtest of a strategy spec; answers its id.",
         backtests.create_backtest),
)  # fmt: skip
LAB_TOOLS_BY_NAME = {tool.name: tool for tool in LAB_TOOLS}


@dataclass(frozen=True, slots=True)
class LabToolSpec:
    """What an MCP client is told about one tool."""

    name: str
    description: str
    input_schema: dict[str, Any]
    mutates: bool


@cache
def arguments_model(resolver: Callable[..., Awaitable[Any]]) -> type[pydantic.BaseModel]:
    """A model of the resolver's caller-supplied keywords (required ones without a default)."""
    hints = typing.get_type_hints(resolver, include_extras=True)
    fields: dict[str, Any] = {}
    for name, parameter in inspect.signature(resolver).parameters.items():
        if name in SERVER_SIDE or parameter.kind is not inspect.Parameter.KEYWORD_ONLY:
            continue
        default = ... if parameter.default is inspect.Parameter.empty else parameter.default
        fields[name] = (hints.get(name, Any), default)
    config = pydantic.ConfigDict(extra="forbid", arbitrary_types_allowed=True)
    model: type[pydantic.BaseModel] = pydantic.create_model(
        f"{resolver.__name__}_arguments", __config__=config, **fields
    )
    return model


def lab_tool_specs() -> list[LabToolSpec]:
    """Every tool /mcp serves, with its JSON Schema."""
    return [
        LabToolSpec(tool.name, tool.description,
                    arguments_model(tool.resolver).model_json_schema(), tool.mutates)
        for tool in LAB_TOOLS
    ]  # fmt: skip


def _plain(result: Any) -> Any:
    """A resolver's answer as JSON values (a page as REST answers one)."""
    if isinstance(result, Page):
        return {
            "items": jsonable(list(result.items)),
            "total": result.total_count,
            "next_cursor": result.end_cursor if result.has_next_page else None,
        }
    return jsonable(result)


async def call_lab_tool(
    session: AsyncSession, *, lab: Lab, name: str, arguments: dict[str, Any]
) -> Any:
    """Run one lab tool with checked arguments (404 UNKNOWN_TOOL, 422 INVALID_ARGUMENTS)."""
    tool = LAB_TOOLS_BY_NAME.get(name)
    if tool is None:
        raise NotFound(f"no lab tool {name!r}", code="UNKNOWN_TOOL", details={"tool": name})
    model = arguments_model(tool.resolver)
    try:
        checked = model.model_validate(arguments)
    except pydantic.ValidationError as exc:
        fields = sorted({".".join(str(p) for p in e["loc"]) for e in exc.errors()})
        raise InvalidInput(
            f"invalid arguments for {name}: {', '.join(fields) or 'the arguments'}",
            code="INVALID_ARGUMENTS",
            details={"tool": name, "fields": fields},
        ) from None
    kwargs = {field: getattr(checked, field) for field in model.model_fields}
    result = await tool.resolver(session, **with_lab(tool.resolver, kwargs, lab))
    return _plain(result)
