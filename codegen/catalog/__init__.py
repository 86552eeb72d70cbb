"""The route catalog: every documented route of both seeds, one record each."""

from __future__ import annotations

from codegen.catalog import (
    forven_agents,
    forven_brain,
    forven_data,
    forven_integrations,
    forven_live,
    forven_research,
    forven_settings,
    forven_strategies,
    forven_system,
    forven_trading,
    halyrd,
    halyrd_agent,
)
from codegen.model import Route

FORVEN: tuple[Route, ...] = (
    *forven_system.ROUTES,
    *forven_strategies.ROUTES,
    *forven_research.ROUTES,
    *forven_trading.ROUTES,
    *forven_agents.ROUTES,
    *forven_brain.ROUTES,
    *forven_integrations.ROUTES,
    *forven_data.ROUTES,
    *forven_settings.ROUTES,
    *forven_live.ROUTES,
)
HALYRD: tuple[Route, ...] = (*halyrd.ROUTES, *halyrd_agent.ROUTES)
ROUTES: tuple[Route, ...] = (*FORVEN, *HALYRD)


def coverage(routes: tuple[Route, ...] = ROUTES) -> tuple[int, int]:
    """(served for real, documented): implemented and transport routes count as served."""
    served = sum(1 for r in routes if r.state in ("implemented", "transport"))
    return served, len(routes)
