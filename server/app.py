"""The app factory: FastAPI with the REST face, GraphQL at /graphql, and the lifespan."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.routing import Mount, Route, WebSocketRoute

from rest_compat.deepdive import router as deepdive_router
from rest_compat.envelope import install_error_envelope
from rest_compat.generated.forven import router as forven_router
from rest_compat.generated.halyrd import router as halyrd_router
from rest_compat.guard import Guard
from rest_compat.halyrd_ws import PATH as HALYRD_WS_PATH
from rest_compat.halyrd_ws import agent_stream
from rest_compat.health import router as health_router
from rest_compat.live import live_feed
from rest_compat.openapi import router as openapi_router
from rest_compat.shutdown import router as shutdown_router
from rest_compat.webhooks import router as webhooks_router
from schema.context import Services
from server.dispatch import index_routes, mount
from server.graphiql import ASSETS_PATH as GRAPHIQL_ASSETS
from server.graphiql import Assets as GraphiQLAssets
from server.graphiql import asset_paths as graphiql_asset_paths
from server.graphql_app import TradegraphGraphQL
from server.lifespan import lifespan
from server.mcp_server import PATH as MCP_PATH
from server.mcp_server import McpEndpoint
from server.ratelimit import install_limiter
from server.settings import Settings, get_settings
from server.shutdown import install_shutdown

LIVE_FEED_PATHS = ("/api/ws/live", "/ws/live")


def create_app(settings: Settings | None = None) -> FastAPI:
    """A new app bound to `settings`; nothing connects until the lifespan starts."""
    settings = settings or get_settings()
    app = FastAPI(
        title="Tradegraph",
        version="0.1.0",
        description="Forven and Halyrd REST APIs, generated from one route catalog.",
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        # no OpenTelemetry providers are configured here: without this FastAPI looks them up
        # on every request to decide whether to instrument it
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.keys = settings.keys
    install_error_envelope(app)
    install_shutdown(app)
    mount(app.router, health_router)
    mount(app.router, shutdown_router)
    mount(app.router, webhooks_router)
    mount(app.router, deepdive_router)
    mount(app.router, openapi_router)
    mount(app.router, forven_router)
    mount(app.router, halyrd_router)

    def services() -> Services:
        services: Services = app.state.services
        return services

    graphql = TradegraphGraphQL.from_settings(settings, services)
    app.router.routes.append(Route("/graphql", graphql, methods=["GET", "POST"]))
    app.router.routes.append(Mount(GRAPHIQL_ASSETS, app=GraphiQLAssets()))
    app.router.routes.append(WebSocketRoute("/graphql", graphql))
    for path in LIVE_FEED_PATHS:
        app.router.routes.append(WebSocketRoute(path, live_feed))
    app.router.routes.append(WebSocketRoute(HALYRD_WS_PATH, agent_stream))
    # the lab as an MCP server (streamable HTTP, stateless)
    mcp = McpEndpoint(services, settings.keys)
    app.router.routes.append(Route(MCP_PATH, mcp, methods=["GET", "POST", "DELETE"]))
    index_routes(app.router)  # one lookup by path template, wherever a route is mounted
    install_limiter(app, settings)  # inside the guard: refusals are not counted, and a 429
    # gets the guard's CORS headers so a browser can read it
    # outermost last: the guard sees every request before routing
    app.add_middleware(
        Guard,
        allowed_hosts=settings.allowed_hosts,
        cors_origins=settings.cors_origins,
        keys=settings.keys,
        legacy_rewrite=settings.legacy_rewrite,
        max_body_bytes=settings.max_body_bytes,
        public_paths=graphiql_asset_paths(),
    )
    return app
