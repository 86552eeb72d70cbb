"""The registration body's checks, each refusal a 422 with its own code and `details.field`."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from resolvers.errors import InvalidInput

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$")  # an HTTP token
MAX_VALUE = 8192


def bad(field: str, code: str, message: str) -> InvalidInput:
    return InvalidInput(message, code=code, details={"field": field})


def server_name(value: Any) -> str:
    """A name: lower-case letters, digits, `-` and `_`, at most 64, starting alphanumeric."""
    if not isinstance(value, str) or not NAME.match(value):
        raise bad(
            "name",
            "INVALID_MCP_SERVER_NAME",
            "name must be 1-64 lower-case letters, digits, '-' or '_', starting with a letter "
            "or digit",
        )
    return value


def transport(value: Any) -> str:
    if value not in ("stdio", "http"):
        raise bad("transport", "UNKNOWN_TRANSPORT", "transport must be stdio or http")
    return str(value)


def command(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or "\x00" in value:
        raise bad("command", "MISSING_COMMAND", "a stdio server needs a command (the executable)")
    return value.strip()


def args(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(
        isinstance(a, str) and "\x00" not in a for a in value
    ):
        raise bad("args", "INVALID_ARGS", "args must be a list of strings")
    return list(value)


def url(value: Any) -> str:
    if not isinstance(value, str):
        raise bad("url", "INVALID_URL", "an http server needs a url (http:// or https://)")
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username:
        raise bad(
            "url", "INVALID_URL", "url must be an http:// or https:// URL with a host and no "
            "credentials (send them as headers)",
        )  # fmt: skip
    return value.strip()


def secrets(field: str, value: Any, names: re.Pattern[str]) -> dict[str, str]:
    """env or headers: an object from a valid name to a string value."""
    code = "INVALID_ENV" if field == "env" else "INVALID_HEADERS"
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise bad(field, code, f"{field} must be an object from name to string value")
    for key, item in value.items():
        if not isinstance(key, str) or not names.match(key):
            raise bad(f"{field}.{key}", code, f"{field} name {key!r} is not a valid name")
        if not isinstance(item, str) or len(item) > MAX_VALUE or "\x00" in item:
            raise bad(f"{field}.{key}", code, f"{field} values must be strings of at most "
                      f"{MAX_VALUE} characters")  # fmt: skip
    return dict(value)


def tool_filter(field: str, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise bad(field, "INVALID_TOOL_FILTER", f"{field} must be a list of tool names")
    return list(dict.fromkeys(value))


def description(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > 2000:
        raise bad("description", "INVALID_DESCRIPTION", "description must be text (<= 2000)")
    return value


def unexpected(transport_name: str, given: dict[str, Any]) -> None:
    """Fields of the other transport are refused rather than silently stored."""
    other = ("url", "headers") if transport_name == "stdio" else ("command", "args", "env")
    for field in other:
        if given.get(field) not in (None, [], {}):
            raise bad(field, "TRANSPORT_FIELD_MISMATCH",
                      f"{field} does not apply to a {transport_name} server")  # fmt: skip
