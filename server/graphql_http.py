"""GraphQL over HTTP (the GraphQL Foundation's spec): media types, status codes, bodies.

Functions over requests, header values and execution results, shared by both HTTP paths in
server/graphql_app.py (the lean POST executor and Strawberry's GET path), so the two cannot
answer the same request differently.

- The response is `application/graphql-response+json` when the client accepts it (preferred
  when named explicitly at the same quality), else `application/json`, which is also what `*/*`
  and a missing Accept header get. A client accepting neither gets 406.
- An operation that started executing answers 200, errors or not. One that did not answers
  with the status its first error carries (`extensions.http.status`): 400 for a bad document
  (parse, validation, variable coercion), 401 / 503 for a key refusal, 500 for an internal
  error, except that under `application/json` the spec asks for 200 for a bad document.
- A body that did not execute has no `data` entry at all (the spec tells "not executed" from
  "executed to null" that way).
- A POST body is a JSON object with a `query` string; `variables` and `extensions`, if
  present, are objects and `operationName` a string. Anything else is a 400 before execution.
"""

from __future__ import annotations

from functools import lru_cache
from http import HTTPStatus
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"


@lru_cache(maxsize=256)
def negotiate(accept: str | None) -> str | None:
    """The media type to answer with, or None when the client accepts neither of ours.

    Each of our two types gets the quality of the most specific range matching it (RFC 9110,
    12.5.1). The higher quality wins; at equal quality graphql-response+json wins only if the
    client named it, so `*/*` gets application/json as the spec asks. Cached: clients send
    the same few Accept values again and again.
    """
    if accept is None or not accept.strip():
        return JSON
    graphql_q, graphql_explicit = _quality(accept, GRAPHQL_RESPONSE)
    json_q, _ = _quality(accept, JSON)
    if graphql_q <= 0 and json_q <= 0:
        return None
    if graphql_q > json_q or (graphql_q == json_q and graphql_explicit):
        return GRAPHQL_RESPONSE
    return JSON


def _quality(accept: str, media_type: str) -> tuple[float, bool]:
    """The q of the most specific range matching `media_type`, and whether it named it."""
    kind = media_type.split("/", 1)[0]
    best_specificity, best_q = -1, 0.0
    for part in accept.split(","):
        media_range, *params = (piece.strip() for piece in part.split(";"))
        media_range = media_range.lower()
        if media_range == media_type:
            specificity = 2
        elif media_range == f"{kind}/*":
            specificity = 1
        elif media_range == "*/*":
            specificity = 0
        else:
            continue
        if specificity > best_specificity:
            best_specificity, best_q = specificity, _q(params)
    return best_q, best_specificity == 2


def _q(params: list[str]) -> float:
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return min(max(float(value.strip()), 0.0), 1.0)
            except ValueError:
                break  # a malformed weight: read the range as unweighted
    return 1.0


def is_json_body(content_type: str | None) -> bool:
    """`application/json`, in UTF-8 (the charset may be stated, and must then be UTF-8)."""
    if not content_type:
        return False
    media_type, *params = (piece.strip() for piece in content_type.split(";"))
    if media_type.lower() != JSON:
        return False
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in (
            "utf-8",
            "utf8",
        ):
            return False
    return True


def accepted_media_type(request: Request) -> str:
    """The media type to answer `request` with; 406 when it accepts neither of ours."""
    media_type = negotiate(request.headers.get("accept"))
    if media_type is None:
        raise HTTPError(
            406,
            "this endpoint answers application/graphql-response+json or application/json",
            code="NOT_ACCEPTABLE",
        )
    return media_type


def post_parameters(data: Any, media_type: str) -> tuple[str, dict[str, Any] | None, str | None]:
    """`query`, `variables`, `operationName` of a POST body; `extensions` must be a map too."""
    if not isinstance(data, dict) or not isinstance(data.get("query"), str):
        raise HTTPError(400, "expected a JSON object with a `query` string", media_type=media_type)
    variables = data.get("variables")
    operation_name = data.get("operationName")
    if variables is not None and not isinstance(variables, dict):
        raise HTTPError(400, "`variables` must be an object", media_type=media_type)
    if operation_name is not None and not isinstance(operation_name, str):
        raise HTTPError(400, "`operationName` must be a string", media_type=media_type)
    extensions = data.get("extensions")
    if extensions is not None and not isinstance(extensions, dict):
        raise HTTPError(400, "`extensions` must be an object", media_type=media_type)
    return data["query"], variables, operation_name


def executed(result: Any) -> bool:
    """Whether execution started: it produced data, or errors with a path (a field failed).
    Parse, validation, variable and key-policy errors carry no path."""
    if result.data is not None or not result.errors:
        return True
    return any(error.path for error in result.errors)


def response_body(result: Any) -> dict[str, Any]:
    """The GraphQL response: `data` only if execution started, `errors` only if any."""
    body: dict[str, Any] = {}
    if executed(result):
        body["data"] = result.data
    if result.errors:
        body["errors"] = [error.formatted for error in result.errors]
    if getattr(result, "extensions", None):
        body["extensions"] = result.extensions
    return body


def response_status(result: Any, media_type: str) -> int:
    """The status for a result served as `media_type` (see the module docstring)."""
    if executed(result):
        return 200
    extensions = result.errors[0].extensions or {}
    status = int(extensions.get("http", {}).get("status", 400))
    if media_type == JSON and status == 400:
        return 200
    return status


def auth_headers(status: int) -> dict[str, str]:
    """What a 401 says about how to authenticate (the same challenge as REST's guard)."""
    return {"www-authenticate": 'Bearer realm="forven"'} if status == 401 else {}


class HTTPError(Exception):
    """A request refused before (or instead of) execution, as a GraphQL-shaped error body."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        media_type: str = JSON,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or HTTPStatus(status).name
        self.media_type = media_type
        self.headers = headers or {}

    def response(self) -> Response:
        return error_response(
            self.status, self.message, self.code, self.media_type, headers=self.headers
        )


def error_response(
    status: int,
    message: str,
    code: str,
    media_type: str = JSON,
    *,
    headers: dict[str, str] | None = None,
) -> Response:
    """`{"errors": [{message, extensions: {code, http: {status}}}]}`, the shape of every other
    GraphQL error, so a client reads a 405 or 415 the same way as a validation error."""
    error = {"message": message, "extensions": {"code": code, "http": {"status": status}}}
    return Response(
        orjson.dumps({"errors": [error]}),
        status,
        headers={**auth_headers(status), **(headers or {})},
        media_type=media_type,
    )
