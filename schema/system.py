"""The `health` query: the GraphQL face of the liveness check."""

from __future__ import annotations

import strawberry

from resolvers.system import get_health


@strawberry.type(name="Health")
class HealthType:
    status: str


@strawberry.type
class SystemQuery:
    @strawberry.field(description="Liveness: `ok` while the server is serving.")
    def health(self) -> HealthType:
        return HealthType(status=get_health().status)
