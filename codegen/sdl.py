"""The GraphQL schema as SDL text."""

from __future__ import annotations

import importlib


def render_sdl() -> str:
    # imported when called, not with codegen: the schema imports schema/generated/, which
    # `python -m codegen` writes first (codegen/__main__.py)
    root = importlib.import_module("schema.root")
    return str(root.build_schema().as_str()).rstrip() + "\n"
