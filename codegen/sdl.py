"""The GraphQL schema as SDL text."""

from __future__ import annotations

from schema.root import build_schema


def render_sdl() -> str:
    return build_schema().as_str().rstrip() + "\n"
