"""`tradegraph serve --dev`'s key pair: made 0600 once, reused, the environment winning."""

from __future__ import annotations

import json
import os
import shlex
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from server import devkeys
from server.cli import _settings, build_parser, dev_settings
from server.devkeys import FILE_NAME, DevKeysError, KeyPair, load_or_create
from server.settings import Settings

KEY_VARIABLES = ("FORVEN_API_KEY", "FORVEN_OPERATOR_KEY", "FORVEN_AUTH_REQUIRED")


@pytest.fixture(autouse=True)
def no_keys_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in KEY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """umask 000: a file opened without an explicit mode would be world-readable."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def stored(path: Path) -> KeyPair:
    data = json.loads(path.read_text())
    return KeyPair(data["api_key"], data["operator_key"])


class TestLoadOrCreate:
    @pytest.mark.usefixtures("open_umask")
    def test_the_first_start_makes_a_0600_file_in_a_new_data_dir(self, tmp_path: Path) -> None:
        data_dir = tmp_path / "data" / "nested"
        pair, path, created = load_or_create(data_dir)
        assert created and path == data_dir / FILE_NAME
        assert mode(path) == 0o600
        assert stored(path) == pair
        assert pair.api_key != pair.operator_key
        assert min(len(pair.api_key), len(pair.operator_key)) >= 40  # 32 random bytes each
        assert sorted(p.name for p in data_dir.iterdir()) == [FILE_NAME]  # no temporary left

    def test_a_later_start_reuses_the_file_untouched(self, tmp_path: Path) -> None:
        first, path, _ = load_or_create(tmp_path)
        before = path.stat()
        again, _, created = load_or_create(tmp_path)
        assert (again, created) == (first, False)
        after = path.stat()
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)

    def test_a_start_that_loses_the_race_takes_the_winners_pair(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Another start stores its pair between our check and our link: ours is dropped."""
        winner = KeyPair("winner-api", "winner-operator")
        real_link = os.link

        def link_after_the_other_start(source: str, target: str) -> None:
            body = {"api_key": winner.api_key, "operator_key": winner.operator_key}
            Path(target).write_text(json.dumps(body))
            real_link(source, target)

        monkeypatch.setattr(devkeys.os, "link", link_after_the_other_start)
        pair, path, created = load_or_create(tmp_path)
        assert (pair, created) == (winner, False)
        assert stored(path) == winner
        assert [p.name for p in tmp_path.iterdir()] == [FILE_NAME]

    def test_a_widened_file_is_narrowed_back(self, tmp_path: Path) -> None:
        _, path, _ = load_or_create(tmp_path)
        path.chmod(0o644)
        load_or_create(tmp_path)
        assert mode(path) == 0o600

    @pytest.mark.parametrize(
        "text", ["not json", '{"api_key": "a"}', '{"api_key": " ", "operator_key": "b"}', "[]"]
    )
    def test_a_file_that_is_not_a_key_pair_stops_start_up_untouched(
        self, tmp_path: Path, text: str
    ) -> None:
        path = tmp_path / FILE_NAME
        path.write_text(text)
        with pytest.raises(DevKeysError, match="delete it"):
            load_or_create(tmp_path)
        assert path.read_text() == text


def dev_start(data_dir: Path) -> tuple[Settings, devkeys.DevKeys]:
    """What `tradegraph serve --dev --data-dir DATA_DIR` serves with."""
    return dev_settings(build_parser().parse_args(["serve", "--dev", "--data-dir", str(data_dir)]))


class TestDevSettings:
    def test_without_env_keys_the_stored_pair_is_served(self, tmp_path: Path) -> None:
        settings, keys = dev_start(tmp_path)
        pair = stored(tmp_path / FILE_NAME)
        assert (settings.api_key, settings.operator_key) == (pair.api_key, pair.operator_key)
        assert (keys.api_source, keys.operator_source) == ("created", "created")
        settings, keys = dev_start(tmp_path)
        assert settings.operator_key == pair.operator_key and keys.api_source == "reused"

    def test_an_env_key_wins_and_is_not_written(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("FORVEN_API_KEY", "api-from-env")
        settings, keys = dev_start(tmp_path)
        pair = stored(tmp_path / FILE_NAME)
        assert (settings.api_key, settings.operator_key) == ("api-from-env", pair.operator_key)
        assert (keys.api_source, keys.operator_source) == ("environment", "created")
        assert "api-from-env" not in (tmp_path / FILE_NAME).read_text()

    def test_with_both_env_keys_no_file_is_made(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("FORVEN_API_KEY", "a-env")
        monkeypatch.setenv("FORVEN_OPERATOR_KEY", "o-env")
        settings, _ = dev_start(tmp_path)
        assert (settings.api_key, settings.operator_key) == ("a-env", "o-env")
        assert not (tmp_path / FILE_NAME).exists()

    def test_auth_required_is_met_by_the_dev_pair(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("FORVEN_AUTH_REQUIRED", "true")
        settings, _ = dev_start(tmp_path)
        assert settings.auth_required and settings.api_key and settings.operator_key

    def test_plain_serve_makes_no_keys(self, tmp_path: Path) -> None:
        settings = _settings(build_parser().parse_args(["serve", "--data-dir", str(tmp_path)]))
        assert (settings.api_key, settings.operator_key) == (None, None)
        assert not (tmp_path / FILE_NAME).exists()


class TestBanner:
    def test_it_prints_both_keys_a_curl_line_and_the_graphiql_url(self, tmp_path: Path) -> None:
        keys = devkeys.resolve(tmp_path, env_api_key="it's-mine", env_operator_key=None)
        url = devkeys.base_url("0.0.0.0", 8003)
        text = devkeys.banner(keys, url)
        assert url == "http://127.0.0.1:8003"
        assert keys.keys.api_key in text and keys.keys.operator_key in text
        curl = next(line for line in text.splitlines() if "curl " in line)
        assert shlex.split(curl) == [
            "curl",
            "-H",
            "X-API-Key: it's-mine",  # quoted for the shell, whatever the key holds
            "-H",
            f"X-Operator-Key: {keys.keys.operator_key}",
            "http://127.0.0.1:8003/api/strategies",
        ]
        assert "GraphiQL: http://127.0.0.1:8003/graphql" in text

    @pytest.mark.parametrize(
        ("host", "url"),
        [("127.0.0.1", "http://127.0.0.1:1"), ("::", "http://[::1]:1"), ("::1", "http://[::1]:1")],
    )
    def test_the_url_is_one_this_machine_reaches(self, host: str, url: str) -> None:
        assert devkeys.base_url(host, 1) == url
