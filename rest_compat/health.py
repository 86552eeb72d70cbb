"""Transport-only liveness routes: Forven's `/api/health` and Halyrd's `/health`."""

from __future__ import annotations

from fastapi import APIRouter

from resolvers.system import get_health

router = APIRouter()


@router.get("/api/health", tags=["system"])
async def forven_health() -> dict[str, str]:
    """Liveness check (no auth)."""
    return {"status": get_health().status}


@router.get("/health", tags=["halyrd"])
async def halyrd_health() -> dict[str, str]:
    """Backend health check."""
    return {"status": get_health().status}
