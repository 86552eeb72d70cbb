"""The `health` query: the GraphQL face of the liveness check."""

from __future__ import annotations

import strawberry

from resolvers.system import get_health
from schema.generated.system import Health


@strawberry.type
class SystemQuery:
    @strawberry.field(description="Liveness: `ok` while the server is serving.")
    def health(self) -> Health:
        return Health.of(get_health())
