"""End to end: `make serve`'s development start opens the operator routes with the keys it
prints, reuses them on the next start, lets the environment win, and plain `serve` is unchanged.
"""

from __future__ import annotations

import json
import shlex
import stat
from pathlib import Path

import httpx
import pytest

from server.devkeys import FILE_NAME
from tests.e2e.server import read_output_until, server_process

pytestmark = pytest.mark.e2e

NO_KEYS = {"FORVEN_API_KEY": "", "FORVEN_OPERATOR_KEY": ""}  # blank is unset
OPERATOR_ROUTE = "/api/strategies"


def printed_curl(output: str) -> tuple[dict[str, str], str]:
    """The headers and URL of the `curl` line the dev start printed."""
    line = next(line for line in output.splitlines() if line.strip().startswith("curl "))
    words = shlex.split(line)
    headers = dict(words[i + 1].split(": ", 1) for i, word in enumerate(words) if word == "-H")
    return headers, words[-1]


def dev_start(data_dir: Path, env: dict[str, str]) -> tuple[dict[str, str], str]:
    """Starts `serve --dev`, checks that its printed curl request answers 200 (and 401 without
    the operator key), and answers the printed headers and banner."""
    with server_process(data_dir, "--dev", "--no-demo", env=env) as (base, process):
        output = read_output_until(process, "GraphiQL:")
        headers, url = printed_curl(output)
        assert url == f"{base}{OPERATOR_ROUTE}"
        assert f"GraphiQL: {base}/graphql" in output
        answer = httpx.get(url, headers=headers)
        assert answer.status_code == 200, answer.text
        assert "items" in answer.json()
        # the keys are real: without the operator key the same route refuses
        refused = httpx.get(url, headers={"X-API-Key": headers["X-API-Key"]})
        assert refused.status_code == 401, refused.text
        assert refused.json()["code"] == "INVALID_OPERATOR_KEY"
    return headers, output


def test_the_dev_start_prints_keys_that_work_and_reuses_them(tmp_path: Path) -> None:
    headers, output = dev_start(tmp_path, NO_KEYS)
    key_file = tmp_path / FILE_NAME
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    stored = json.loads(key_file.read_text())
    assert headers == {
        "X-API-Key": stored["api_key"],
        "X-Operator-Key": stored["operator_key"],
    }
    assert "new, stored in" in output

    again, output = dev_start(tmp_path, NO_KEYS)
    assert again == headers
    assert f"keys from {key_file}" in output
    assert json.loads(key_file.read_text()) == stored


def test_a_key_in_the_environment_wins_over_the_stored_one(tmp_path: Path) -> None:
    first, _ = dev_start(tmp_path, NO_KEYS)
    stored = (tmp_path / FILE_NAME).read_text()
    env = {**NO_KEYS, "FORVEN_OPERATOR_KEY": "operator-from-env"}
    headers, output = dev_start(tmp_path, env)
    assert headers == {"X-API-Key": first["X-API-Key"], "X-Operator-Key": "operator-from-env"}
    assert "operator key from the environment" in output
    assert (tmp_path / FILE_NAME).read_text() == stored  # used, never written into the file


def test_plain_serve_without_keys_keeps_the_seeds_503(tmp_path: Path) -> None:
    with server_process(tmp_path, "--no-demo", env=NO_KEYS) as (base, _process):
        answer = httpx.get(base + OPERATOR_ROUTE)
    assert answer.status_code == 503, answer.text
    assert answer.json()["code"] == "OPERATOR_KEY_NOT_CONFIGURED"
    assert not (tmp_path / FILE_NAME).exists()
