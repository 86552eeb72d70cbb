"""Strawberry on the ASGI app: GraphiQL and GET queries, graphql-transport-ws subscriptions,
and a lean POST path (schema/executor.py) for JSON queries and mutations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from schema.context import GraphQLContext, Services
from schema.executor import Executor, RequestError
from schema.root import TradegraphSchema

JSON = "application/json"


def _error_body(message: str, code: str) -> bytes:
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})


class TradegraphGraphQL(GraphQL[GraphQLContext, None]):
    """Strawberry's ASGI app with our context; POST JSON goes through the lean executor."""

    def __init__(self, schema: TradegraphSchema, services: Callable[[], Services]) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql",
            allow_queries_via_get=True,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )
        self._services = services
        self.executor = Executor(schema)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None
    ) -> GraphQLContext:
        return GraphQLContext(services=self._services(), request=request)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            request = Request(scope, receive)
            if request.headers.get("content-type", "").split(";")[0].strip() == JSON:
                response = await self._post(request)
                await response(scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    async def _post(self, request: Request) -> Response:
        try:
            data: Any = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return Response(
                _error_body("the body is not valid JSON", "BAD_REQUEST"), 400, media_type=JSON
            )
        if not isinstance(data, dict) or not isinstance(data.get("query"), str):
            return Response(
                _error_body("expected a JSON object with a `query` string", "BAD_REQUEST"),
                400,
                media_type=JSON,
            )
        variables = data.get("variables")
        operation_name = data.get("operationName")
        if variables is not None and not isinstance(variables, dict):
            return Response(
                _error_body("`variables` must be an object", "BAD_REQUEST"), 400, media_type=JSON
            )
        if operation_name is not None and not isinstance(operation_name, str):
            return Response(
                _error_body("`operationName` must be a string", "BAD_REQUEST"), 400, media_type=JSON
            )
        context = GraphQLContext(services=self._services(), request=request)
        try:
            result = await self.executor.execute(
                data["query"], context=context, variables=variables, operation_name=operation_name
            )
        except RequestError as exc:
            return Response(_error_body(str(exc), "BAD_REQUEST"), 400, media_type=JSON)
        body: dict[str, Any] = {}
        if result.data is not None or result.errors is None or _executed(result.errors):
            body["data"] = result.data
        if result.errors:
            body["errors"] = [error.formatted for error in result.errors]
        return Response(orjson.dumps(body), 200, media_type=JSON)


def _executed(errors: list[Any]) -> bool:
    """Whether execution started (errors with a path); parse/validation errors have none."""
    return any(getattr(error, "path", None) for error in errors)
