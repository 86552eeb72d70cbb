"""Serves the generated OpenAPI document (rest_compat/generated/openapi.json) as-is."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter
from starlette.responses import Response

SPEC = Path(__file__).parent / "generated" / "openapi.json"
router = APIRouter()


@lru_cache(maxsize=1)
def spec_bytes() -> bytes:
    return SPEC.read_bytes()


@router.get("/openapi.json", include_in_schema=False)
async def openapi() -> Response:
    """The REST contract: every documented route with every status it can return."""
    return Response(spec_bytes(), media_type="application/json")
