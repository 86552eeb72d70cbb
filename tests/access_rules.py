"""The seed's two-key rules written out once for every access matrix (REST, legacy, GraphQL,
WebSocket), independently of resolvers/access.py, which they check."""

from __future__ import annotations

API, OPERATOR = "matrix-api-key", "matrix-operator-key"
CONFIGS: dict[str, dict[str, str]] = {
    "both keys": {"api_key": API, "operator_key": OPERATOR},
    "operator unconfigured": {"api_key": API},
    "no keys": {},
}
PRESENTED: dict[str, dict[str, str]] = {
    "no key": {},
    "wrong keys": {"x-api-key": "nope", "x-operator-key": "nope"},
    "api key only": {"x-api-key": API},
    "both keys": {"x-api-key": API, "x-operator-key": OPERATOR},
}


def refusal(
    config: dict[str, str], presented: dict[str, str], *, operator: bool
) -> tuple[int, str] | None:
    """(status, code) a caller presenting `presented` gets, or None when it is let through.

    The API key first (when configured); then, for operator areas, 503 when no operator key is
    configured and 401 when it is missing or wrong.
    """
    if "api_key" in config and presented.get("x-api-key") != API:
        return (401, "INVALID_API_KEY")
    if operator:
        if "operator_key" not in config:
            return (503, "OPERATOR_KEY_NOT_CONFIGURED")
        if presented.get("x-operator-key") != OPERATOR:
            return (401, "INVALID_OPERATOR_KEY")
    return None
