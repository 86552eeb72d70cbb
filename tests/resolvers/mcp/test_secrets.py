"""The key ring: sealing, masking, the key file, env keys and rotation."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from resolvers.secrets import MASK, SecretStore, SecretUnreadable, build_store, mask


def test_seal_and_open_round_trip_without_the_plaintext_in_the_token() -> None:
    store = build_store()
    token = store.seal("sk-live-123")
    assert "sk-live-123" not in token
    assert store.open(token) == "sk-live-123"
    assert mask("sk-live-123") == MASK


def test_the_key_file_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "data" / "secret.key"
    token = build_store(key_file=str(path)).seal("v")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert build_store(key_file=str(path)).open(token) == "v"  # the same key next start


def test_env_keys_win_over_the_key_file(tmp_path: Path) -> None:
    key = Fernet.generate_key().decode()
    token = build_store((key,), key_file=str(tmp_path / "k")).seal("v")
    assert not (tmp_path / "k").exists()
    assert SecretStore([key.encode()]).open(token) == "v"


def test_rotation_reseals_with_the_newest_key() -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()
    token = SecretStore([old]).seal("v")
    ring = SecretStore([new, old])
    rotated = ring.rotate(token)
    assert SecretStore([new]).open(rotated) == "v"  # the old key can now be dropped
    with pytest.raises(SecretUnreadable):
        SecretStore([new]).open(token)


def test_a_malformed_env_key_is_refused() -> None:
    with pytest.raises(ValueError):
        build_store(("not-a-fernet-key",))
