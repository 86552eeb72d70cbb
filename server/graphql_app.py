"""Strawberry on the ASGI app: POST/GET queries, GraphiQL, graphql-transport-ws."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from schema.context import GraphQLContext, Services
from schema.root import TradegraphSchema


class TradegraphGraphQL(GraphQL[GraphQLContext, None]):
    """Strawberry's ASGI app with our context; services come from the app's lifespan."""

    def __init__(self, schema: TradegraphSchema, services: Any) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql",
            allow_queries_via_get=True,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )
        self._services = services

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None
    ) -> GraphQLContext:
        services: Services = self._services()
        return GraphQLContext(services=services, request=request)
