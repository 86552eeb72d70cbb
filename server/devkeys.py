"""The development start's key pair (`tradegraph serve --dev`, what `make serve` runs).

Plain `tradegraph serve` keeps the seed's semantics: without FORVEN_OPERATOR_KEY the operator
routes answer 503. A newcomer's first request should work, so the dev start keeps a generated
pair in `<data dir>/dev-keys.json` and prints it with a ready `curl` line and the GraphiQL URL,
as a notebook server prints its token. The file is made once and reused: it is written to a
temporary file opened 0600 (never readable by anyone else, whatever the umask), then hard-linked
into place, so it never exists half written or with a wider mode, and two dev starts racing on
a fresh data dir end up with one pair. FORVEN_API_KEY / FORVEN_OPERATOR_KEY in the environment
win over the file, key by key, and are never written into it.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shlex
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

FILE_NAME = "dev-keys.json"
MODE = 0o600
Source = Literal["created", "reused", "environment"]


class DevKeysError(Exception):
    """The key file cannot be used, worded as the one line start-up prints."""


@dataclass(frozen=True, slots=True)
class KeyPair:
    api_key: str
    operator_key: str


@dataclass(frozen=True, slots=True)
class DevKeys:
    """The keys the dev start serves with, and where each came from."""

    keys: KeyPair
    path: Path
    api_source: Source
    operator_source: Source


def new_pair() -> KeyPair:
    return KeyPair(secrets.token_urlsafe(32), secrets.token_urlsafe(32))


def read_pair(path: Path) -> KeyPair:
    """The stored pair; a file someone widened is narrowed back to 0600 first."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise DevKeysError(f"cannot read {path}: {exc.strerror}") from None
    with os.fdopen(fd, encoding="utf-8") as handle:
        if stat.S_IMODE(os.fstat(fd).st_mode) & ~MODE:
            try:
                os.fchmod(fd, MODE)
            except OSError:
                raise DevKeysError(
                    f"{path} is readable by others and cannot be narrowed to 0600"
                ) from None
        text = handle.read()
    try:
        data = json.loads(text)
        pair = KeyPair(str(data["api_key"]), str(data["operator_key"]))
    except (ValueError, KeyError, TypeError):
        raise DevKeysError(
            f"{path} is not a dev key file (JSON with api_key and operator_key); "
            "delete it to have a new pair made"
        ) from None
    if not (pair.api_key.strip() and pair.operator_key.strip()):
        raise DevKeysError(f"{path} holds an empty key; delete it to have a new pair made")
    return pair


def create_pair(path: Path) -> tuple[KeyPair, bool]:
    """A new pair stored at `path`, or the one another start stored there first.

    Returns the pair and whether this call created the file.
    """
    pair = new_pair()
    body = json.dumps({"api_key": pair.api_key, "operator_key": pair.operator_key}, indent=2)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, MODE)
    try:
        os.fchmod(fd, MODE)  # the umask may only have narrowed it; make it exactly 0600
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(body + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)  # unlike a rename, never replaces a pair already there
        except FileExistsError:
            return read_pair(path), False
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
    return pair, True


def load_or_create(data_dir: Path) -> tuple[KeyPair, Path, bool]:
    """The data dir's pair, made on first use; returns it, its path and whether it is new."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DevKeysError(f"cannot create the data dir {data_dir}: {exc.strerror}") from None
    path = data_dir / FILE_NAME
    if path.exists():
        return read_pair(path), path, False
    try:
        pair, created = create_pair(path)
    except OSError as exc:
        raise DevKeysError(f"cannot store the dev keys in {path}: {exc.strerror}") from None
    return pair, path, created


def resolve(data_dir: Path, *, env_api_key: str | None, env_operator_key: str | None) -> DevKeys:
    """The keys to serve with: the environment's where set, else the stored (or new) pair's.
    With both keys in the environment no file is made: nothing of it would be used."""
    path = data_dir / FILE_NAME
    if env_api_key and env_operator_key:
        pair = KeyPair(env_api_key, env_operator_key)
        return DevKeys(pair, path, "environment", "environment")
    stored, path, created = load_or_create(data_dir)
    kept: Source = "created" if created else "reused"
    return DevKeys(
        KeyPair(env_api_key or stored.api_key, env_operator_key or stored.operator_key),
        path,
        "environment" if env_api_key else kept,
        "environment" if env_operator_key else kept,
    )


def base_url(bind_host: str, port: int) -> str:
    """Where a browser or curl on this machine reaches the server."""
    if bind_host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif bind_host in ("::", "[::]"):
        host = "[::1]"
    elif ":" in bind_host and not bind_host.startswith("["):
        host = f"[{bind_host}]"
    else:
        host = bind_host
    return f"http://{host}:{port}"


def origin(dev: DevKeys) -> str:
    """One line saying where the keys came from."""
    stored = {
        "created": f"new, stored in {dev.path} (0600)",
        "reused": f"from {dev.path}",
        "environment": "from the environment",
    }
    if dev.api_source == dev.operator_source:
        told = f"keys {stored[dev.api_source]}"
    else:
        told = f"API key {stored[dev.api_source]}; operator key {stored[dev.operator_source]}"
    if "environment" in (dev.api_source, dev.operator_source):
        return told
    return f"{told}; FORVEN_API_KEY / FORVEN_OPERATOR_KEY override them"


def banner(dev: DevKeys, url: str) -> str:
    """What the dev start prints once it listens: the keys, a curl line, the GraphiQL URL."""
    curl = shlex.join(
        [
            "curl",
            "-H",
            f"X-API-Key: {dev.keys.api_key}",
            "-H",
            f"X-Operator-Key: {dev.keys.operator_key}",
            f"{url}/api/strategies",
        ]
    )
    return "\n".join(
        [
            "",
            f"Tradegraph development server at {url}",
            f"  API key       {dev.keys.api_key}  (header X-API-Key)",
            f"  operator key  {dev.keys.operator_key}  (header X-Operator-Key)",
            f"  {origin(dev)}",
            "",
            "  Try it:",
            f"    {curl}",
            "",
            f"  GraphiQL: {url}/graphql  (enter both keys in the form at the top of the page)",
            "",
        ]
    )
