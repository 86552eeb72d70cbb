"""One key ring for every secret stored at rest: MCP env and headers, settings API keys.

Values are sealed with Fernet (AES-128-CBC + HMAC-SHA256) through a MultiFernet, so several
keys can be live at once. The keys come from TRADEGRAPH_SECRET_KEYS (comma-separated urlsafe
base64 Fernet keys, newest first) or else from a key file created on first use with mode 0600
(`<data dir>/secret.key` for the server). Rotation: put a new key first in
TRADEGRAPH_SECRET_KEYS (keep the old ones after it), restart, and call `rotate` on every stored
token (resolvers/settings/api_keys.py `rotate_secrets`: the API keys and the MCP secrets,
together); once done the old keys can be dropped.
A token sealed by a key no longer in the ring answers 500 SECRET_UNREADABLE and never leaks
the ciphertext. Plaintext is never logged, never put in an error, never returned: answers show
`mask(value)`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from resolvers.errors import DomainError

log = logging.getLogger("tradegraph.secrets")

MASK = "********"


class SecretUnreadable(DomainError):
    code = "SECRET_UNREADABLE"
    status = 500


class SecretStore:
    """Seal, open and rotate secret strings with the configured key ring."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise ValueError("a secret store needs at least one key")
        self._ring = MultiFernet([Fernet(key) for key in keys])

    def seal(self, plaintext: str) -> str:
        """The token stored in place of `plaintext` (sealed with the newest key)."""
        return self._ring.encrypt(plaintext.encode()).decode("ascii")

    def open(self, token: str) -> str:
        """The plaintext of a stored token (500 SECRET_UNREADABLE when no key opens it)."""
        try:
            return self._ring.decrypt(token.encode("ascii")).decode()
        except (InvalidToken, UnicodeError, ValueError):
            raise SecretUnreadable(
                "a stored secret cannot be decrypted with the configured keys "
                "(TRADEGRAPH_SECRET_KEYS or the data dir's secret.key)"
            ) from None

    def rotate(self, token: str) -> str:
        """The token re-sealed with the newest key (MultiFernet.rotate)."""
        try:
            return self._ring.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise SecretUnreadable("a stored secret cannot be rotated: no key opens it") from None


def mask(_value: str) -> str:
    """What answers show in place of a secret value: never any part of it."""
    return MASK


def parse_keys(raw: str) -> list[bytes]:
    """TRADEGRAPH_SECRET_KEYS: comma-separated Fernet keys, newest first (ValueError if bad)."""
    keys = [part.strip().encode("ascii") for part in raw.split(",") if part.strip()]
    for key in keys:
        Fernet(key)  # raises ValueError on a malformed key
    return keys


def key_file_keys(path: Path) -> list[bytes]:
    """The keys in a key file (one per line, newest first), creating it with one new key and
    mode 0600 when it does not exist yet."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return parse_keys(",".join(path.read_text().split()))
    with os.fdopen(fd, "wb") as handle:
        handle.write(Fernet.generate_key() + b"\n")
    log.info("created the secret key file %s (mode 0600)", path)
    return key_file_keys(path)


def build_store(keys: Sequence[str] = (), key_file: str | None = None) -> SecretStore:
    """The store for the configured keys: the env's when given, else the key file's; with
    neither (an in-process test lab) a key that lives as long as the store."""
    if keys:
        return SecretStore(parse_keys(",".join(keys)))
    if key_file is not None:
        path = Path(key_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        return SecretStore(key_file_keys(path))
    return SecretStore([Fernet.generate_key()])
