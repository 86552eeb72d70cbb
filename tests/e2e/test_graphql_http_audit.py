"""GraphQL over HTTP conformance: graphql-http's `auditServer` against the real server.

The audit (tests/e2e/audit/, pinned graphql-http 1.23.1, installed by `make`) runs 61 checks
and grades each as ok, notice (MAY), warn (SHOULD) or error (MUST). Every one must be ok: a
failing MUST is non-conformance, a failing SHOULD a lost recommendation (the
graphql-response+json media type and its status codes among them). A MAY we decline on
purpose goes in DECLINED with its reason.

The server runs with no keys (the open dev default), as a client that knows nothing of our
keys would find it; the key policy itself is tested in tests/server/test_graphql_access.py.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.server import running_server

pytestmark = pytest.mark.e2e

AUDIT = Path(__file__).parent / "audit"
DECLINED: dict[str, str] = {}
# blank is unset (server/settings.py): whatever the environment holds, the server runs open
NO_KEYS = {"FORVEN_API_KEY": "", "FORVEN_OPERATOR_KEY": "", "FORVEN_AUTH_REQUIRED": "false"}


def node_or_skip() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the GraphQL-over-HTTP audit needs Node.js >= 18")
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
    if int(version.strip().lstrip("v").split(".")[0]) < 18:
        pytest.skip(f"node {version.strip()} is too old: the audit needs Node.js >= 18 (fetch)")
    return node


def test_graphql_http_audit_passes_every_check(tmp_path: Path) -> None:
    node = node_or_skip()
    if not (AUDIT / "node_modules" / "graphql-http").is_dir():
        pytest.fail(
            f"the audit's npm packages are missing: run `make pytest` or "
            f"`npm ci --no-audit --no-fund` in {AUDIT}"
        )
    with running_server(tmp_path, "--no-demo", env=NO_KEYS) as base:
        run = subprocess.run(
            [node, str(AUDIT / "audit.mjs"), f"{base}/graphql"],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert run.returncode in (0, 1), f"the audit could not run:\n{run.stderr}"
    results = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert len(results) == 61, run.stdout  # a different count: a different audit version
    failed = [r for r in results if r["status"] != "ok" and r["id"] not in DECLINED]
    assert not failed, "\n".join(json.dumps(r) for r in failed)
