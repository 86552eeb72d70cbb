"""Schemathesis against the in-process app's /openapi.json, with a fixed seed.

Every operation of the spec is exercised with generated inputs (valid and invalid): no 500,
and every response's status, content type and body must match what the spec documents.
Planned routes are part of the run: their documented answer is 501 with the error envelope.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, seed, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import positive_data_acceptance, unsupported_method

from server.app import create_app
from server.settings import load_settings
from storage.migrate import upgrade_sync

_DATA = Path(tempfile.mkdtemp(prefix="tradegraph-schemathesis-"))
_URL = f"sqlite+aiosqlite:///{_DATA / 'api.db'}"
upgrade_sync(_URL)
KEYS = {"x-api-key": "schemathesis-api", "x-operator-key": "schemathesis-operator"}
APP = create_app(
    load_settings(
        database_url=_URL,
        data_dir=_DATA,
        demo=True,
        demo_days=2,
        api_key=KEYS["x-api-key"],
        operator_key=KEYS["x-operator-key"],
        rate_limit="",
        # not loopback-bound, so the Halyrd routes take the keys the spec lists for them
        # (their loopback relaxation is covered by tests/rest_compat/test_access_matrix.py)
        bind_host="0.0.0.0",
    )
)
SERVED = schemathesis.openapi.from_asgi("/openapi.json", APP, headers=KEYS)


SCHEMA = schemathesis.openapi.from_dict(SERVED.raw_schema)
SCHEMA.app = APP
SCHEMA.location = "/openapi.json"


@SCHEMA.parametrize()
@seed(20261123)
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_matches_the_spec(case: schemathesis.Case) -> None:
    # 501 (planned) and 502/503 are documented answers, so "no 5xx" is narrowed to "no 500".
    # Both keys go on every case; ignored_auth then also proves a keyless call is refused.
    # positive_data_acceptance expects every schema-valid input to succeed, but cursors are
    # opaque and some rules (a title that is blank once stripped, an update naming no field)
    # are domain checks answered with a coded 422 that the schema cannot express.
    # unsupported_method: GET /api/hypotheses/manual is also GET /api/hypotheses/{id} with the
    # id "manual", which is answered as such (422: the id must be an integer), not with 405.
    excluded = [not_a_server_error, positive_data_acceptance, unsupported_method]
    response = case.call_and_validate(headers=KEYS, excluded_checks=excluded)
    assert response.status_code != 500, response.text
