"""Registered MCP servers and the grants giving research agents their tools.

Secret values (a stdio server's env, an HTTP server's headers) are stored sealed
(resolvers/secrets.py): `env` and `headers` map each name to its token, never to the value.
Deleting a server or an agent deletes its grants (ON DELETE CASCADE on both keys).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, utcnow

MCP_TRANSPORTS = ("stdio", "http")


class McpServer(Base):
    __tablename__ = "mcp_servers"
    __table_args__ = (CheckConstraint("transport IN ('stdio', 'http')", name="transport"),)

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    transport: Mapped[str] = mapped_column(String(10))
    command: Mapped[str | None] = mapped_column(Text, default=None)  # stdio
    url: Mapped[str | None] = mapped_column(Text, default=None)  # http
    # {"args": [...]} for stdio
    args: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # {name: sealed token}: stdio env / http headers
    env: Mapped[dict[str, Any]] = mapped_column(default=dict)
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # {"tools": [...]} each; an empty include list exposes every tool
    tools_include: Mapped[dict[str, Any]] = mapped_column(default=dict)
    tools_exclude: Mapped[dict[str, Any]] = mapped_column(default=dict)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class McpGrant(Base):
    """One agent's access to one server: every tool it exposes, or only those listed."""

    __tablename__ = "mcp_grants"

    agent_id: Mapped[str] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    server_name: Mapped[str] = mapped_column(
        ForeignKey("mcp_servers.name", ondelete="CASCADE"), primary_key=True
    )
    # {"tools": [...]}: the granted subset; {} grants every tool the server exposes
    tools: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
