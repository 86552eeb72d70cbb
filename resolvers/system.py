"""System liveness, shared by REST `/api/health`, Halyrd `/health` and GraphQL `health`."""

from __future__ import annotations

from dataclasses import dataclass

from resolvers.views import View


@dataclass(frozen=True, slots=True)
class Health(View):
    """Liveness."""

    status: str


LIVE = Health(status="ok")


def get_health() -> Health:
    """The process is up and serving; liveness only, no dependency checks."""
    return LIVE
