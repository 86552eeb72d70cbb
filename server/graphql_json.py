"""The JSON text of GraphQL messages: orjson, with the standard module as the fallback.

Every GraphQL transport message we write ourselves (graphql-transport-ws frames, live-feed
payloads, operation keys) goes through `dumps`, so they all agree with what Strawberry would
have sent: orjson for speed, and `json` for the values orjson refuses, so a result never fails
to encode because of its size or its keys.
"""

from __future__ import annotations

import json

import orjson


def dumps(data: object) -> str:
    """Compact JSON with orjson; what it refuses (an integer beyond 64 bits, a non-string
    key) goes through the standard module, as Strawberry would have encoded it."""
    try:
        return orjson.dumps(data).decode()
    except TypeError:
        return json.dumps(data, separators=(",", ":"))
