"""Strawberry on the ASGI app: GraphiQL and GET queries, graphql-transport-ws subscriptions,
and a lean POST path (schema/executor.py) for JSON queries and mutations.

One Strawberry view serves /graphql over HTTP and WebSocket (server/app.py mounts it on both),
so this module is where its pieces meet: the HTTP answers of server/graphql_http.py, the
transport-ws handler of server/graphql_ws.py, the shared live-feed results of
server/graphql_live.py. What is left here are the hooks Strawberry calls on the view itself.

Both HTTP paths answer through server/graphql_http.py (media types, status codes, bodies) and
meet the same key policy (schema/policy.py). The guard middleware (rest_compat/guard.py) has
checked Host, Origin and, for HTTP, the API key before a request gets here; what is left here
is the operator level, per operation, and the API key of a WebSocket, whose keys a browser can
send only in its `connection_init` payload.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException, StarletteRequestAdapter
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET, UnsetType

from resolvers.access import check_api_key
from resolvers.errors import DomainError
from schema.context import GraphQLContext, Services
from schema.executor import Executor, RequestError
from schema.root import TradegraphSchema, build_schema
from server.graphiql import page_response
from server.graphql_http import (
    JSON,
    HTTPError,
    accepted_media_type,
    auth_headers,
    is_json_body,
    post_parameters,
    response_body,
    response_status,
)
from server.graphql_json import dumps
from server.graphql_live import LivePayloads, SharedEncoding
from server.graphql_ws import LiveTransportWSHandler
from server.settings import Settings

DEFAULT_MAX_SUBSCRIPTIONS: int = Settings.model_fields["max_subscriptions_per_connection"].default
SUBSCRIPTIONS_OVER_WS = "subscriptions are served over WebSocket (graphql-transport-ws)"
ALLOW_GET_POST = {"allow": "GET, POST"}


class TradegraphGraphQL(GraphQL[GraphQLContext, None]):
    """Strawberry's ASGI app with our context; POST JSON goes through the lean executor."""

    graphql_transport_ws_handler_class = LiveTransportWSHandler

    def __init__(
        self,
        schema: TradegraphSchema,
        services: Callable[[], Services],
        *,
        max_subscriptions_per_connection: int = DEFAULT_MAX_SUBSCRIPTIONS,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql",
            allow_queries_via_get=True,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            max_subscriptions_per_connection=max_subscriptions_per_connection,
        )
        self._services = services
        self.executor = Executor(schema)
        self.shared_encoding = SharedEncoding()
        self.live_payloads = LivePayloads(schema)

    @classmethod
    def from_settings(
        cls, settings: Settings, services: Callable[[], Services]
    ) -> TradegraphGraphQL:
        """The endpoint as the settings ask: with FORVEN_AUTH_REQUIRED the schema is not
        published (no introspection, no "Did you mean" hints at names)."""
        schema = build_schema(
            hide_suggestions=settings.auth_required, introspection=not settings.auth_required
        )
        return cls(
            schema,
            services,
            max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
        )

    async def render_graphql_ide(self, request: Request) -> Response:
        """Our GraphiQL page (server/graphiql): offline assets and the key form."""
        return page_response()

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket | None
    ) -> GraphQLContext:
        return GraphQLContext(services=self._services(), request=request)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await self._http(request)
        except HTTPError as refused:
            response = refused.response()
        await response(scope, receive, send)

    async def _http(self, request: Request) -> Response:
        if request.method == "POST":
            return await self._post(request)
        if request.method != "GET":  # HEAD, which Starlette adds to every GET route
            raise HTTPError(405, "GraphQL is served over GET and POST", headers=ALLOW_GET_POST)
        if self.should_render_graphql_ide(StarletteRequestAdapter(request)):
            return await self.render_graphql_ide(request)
        media_type = accepted_media_type(request)
        request.state.graphql_media_type = media_type
        try:
            return await self.run(request)
        except HTTPException as exc:
            raise HTTPError(exc.status_code, exc.reason, media_type=media_type) from exc

    async def _post(self, request: Request) -> Response:
        if not is_json_body(request.headers.get("content-type")):
            raise HTTPError(
                415,
                "a GraphQL POST body must be application/json (UTF-8)",
                code="UNSUPPORTED_MEDIA_TYPE",
            )
        media_type = accepted_media_type(request)
        try:
            data: Any = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            raise HTTPError(400, "the body is not valid JSON", media_type=media_type) from None
        query, variables, operation_name = post_parameters(data, media_type)
        context = GraphQLContext(services=self._services(), request=request)
        try:
            result = await self.executor.execute(
                query, context=context, variables=variables, operation_name=operation_name
            )
        except RequestError as exc:
            raise HTTPError(400, str(exc), media_type=media_type) from None
        status = response_status(result, media_type)
        return Response(
            orjson.dumps(response_body(result)),
            status,
            headers=auth_headers(status),
            media_type=media_type,
        )

    # Strawberry's GET path: the status and media type travel on the sub-response, Strawberry's
    # own channel for "set by execution, applied to the response".

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = getattr(request.state, "graphql_media_type", JSON)
        request.state.graphql_sub_response = sub_response
        return sub_response

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        sub_response: Response = request.state.graphql_sub_response
        sub_response.status_code = response_status(result, sub_response.media_type or JSON)
        return cast(GraphQLHTTPResponse, response_body(result))

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        status = sub_response.status_code or 200
        return Response(
            orjson.dumps(response_data),
            status,
            headers=auth_headers(status),
            media_type=sub_response.media_type or JSON,
        )

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: GraphQLContext,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Strawberry's GET path, queries only: Strawberry would also take subscriptions (for
        multipart streaming, which we do not serve) and answers a mutation with a plain-text
        400 where the spec asks for 405."""
        media_type = sub_response.media_type or JSON
        try:
            return await self.schema.execute(
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=(OperationType.QUERY,),
                operation_extensions=request_data.extensions,
            )
        except InvalidOperationTypeError as exc:
            if exc.operation_type is OperationType.MUTATION:
                raise HTTPError(
                    405,
                    "mutations are not allowed over GET: send them with POST",
                    media_type=media_type,
                    headers={"allow": "POST"},
                ) from None
            raise HTTPError(400, SUBSCRIPTIONS_OVER_WS, media_type=media_type) from None
        except CannotGetOperationTypeError as exc:
            raise HTTPError(400, exc.as_http_error_reason(), media_type=media_type) from None
        except MissingQueryError:
            raise HTTPError(400, "no GraphQL query in the request", media_type=media_type) from None

    def encode_json(self, data: object) -> str:
        """graphql-transport-ws messages, with orjson. A `next` message whose payload is only
        `data` is spliced around that data's shared encoding: for a live-feed event, one
        encoding serves all subscribers of the operation, each frame adding its own id."""
        if (
            isinstance(data, dict)
            and data.get("type") == "next"
            and isinstance(data.get("id"), str)
        ):
            payload = data.get("payload")
            if isinstance(payload, dict) and payload.keys() == {"data"}:
                body = self.shared_encoding.encode(payload["data"])
                return f'{{"id":{dumps(data["id"])},"type":"next","payload":{{"data":{body}}}}}'
        return dumps(data)

    # WebSockets: Origin is the guard's (one list, one normalisation); the API key is checked
    # at connection_init, the operator level per operation by the AccessGuard extension.

    def is_websocket_origin_allowed(self, request: WebSocket, origin: str) -> bool:
        """The guard middleware has already refused handshakes from foreign origins with the
        same FORVEN_CORS_ORIGINS the REST face uses; a second list here would disagree."""
        return True

    async def on_ws_connect(self, context: GraphQLContext) -> UnsetType | dict[str, object] | None:
        """No API key in the handshake headers or the connection_init payload: close with
        4403 before any operation runs (Strawberry's graphql-transport-ws rejection)."""
        try:
            check_api_key(context.presented(), context.keys)
        except DomainError as refused:
            raise ConnectionRejectionError({"code": refused.code}) from None
        return UNSET
