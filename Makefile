# The two commands a fresh clone needs: `make serve` and `make test`. Both bootstrap .venv.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# graphql-http's GraphQL-over-HTTP audit (tests/e2e/test_graphql_http_audit.py) runs on Node.
AUDIT := tests/e2e/audit
AUDIT_STAMP := $(AUDIT)/node_modules/.installed

.PHONY: serve test lint typecheck codegen-check pytest bench bench-floor bench-engine bench-gauntlet clean hooks graphiql-assets

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' --config-settings editable_mode=compat
	@$(MAKE) --no-print-directory hooks
	@touch $(STAMP)

# Without npm nothing is installed and the stamp stays missing, so a later run retries; the
# audit test then skips (no node) or says how to install its packages.
$(AUDIT_STAMP): $(AUDIT)/package.json $(AUDIT)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		cd $(AUDIT) && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else \
		echo "npm not found: tests/e2e/audit's packages are not installed"; \
	fi

# The development start: a key pair kept in data/dev-keys.json (0600), printed with a curl line
# and the GraphiQL URL. `tradegraph serve` without --dev keeps the seed's keyless semantics.
serve: $(STAMP)
	$(BIN)/tradegraph serve --dev

test: $(STAMP) $(AUDIT_STAMP) lint typecheck codegen-check pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# Every test runs in a throwaway database (SQLite file or PostgreSQL schema) on free ports, so
# the suite spreads over the cores; PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= auto
pytest: $(STAMP) $(AUDIT_STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS)

bench: $(STAMP)
	$(BIN)/python bench/graphql_vs_rest.py
	$(BIN)/python bench/generated_vs_handwritten.py

# Issue 13's per-request floor against the reference apps of bench/ (about 5 minutes; 7 with
# PostgreSQL): make bench-floor FLOOR_ARGS="--postgres postgresql://postgres@127.0.0.1/test"
FLOOR_ARGS ?=
bench-floor: $(STAMP)
	$(BIN)/python bench/floor.py $(FLOOR_ARGS)

# Issue 14's backtest engine against a plain numpy reference and vectorbt (when installed:
# .venv/bin/pip install -e '.[bench]'), a moving-average cross over 1,000,000 bars.
bench-engine: $(STAMP)
	$(BIN)/python bench/engine.py

# Issue 14's GET /api/health p99 while gauntlets keep the job pool busy, against idle (needs
# wrk: apt-get install -y wrk): make bench-gauntlet GAUNTLET_ARGS="--seconds 20"
bench-gauntlet: $(STAMP)
	$(BIN)/python bench/gauntlet_load.py $(GAUNTLET_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(AUDIT)/node_modules

codegen-check: $(STAMP)
	$(BIN)/python -m codegen --check

# The pre-commit hook (.githooks/pre-commit) refuses a commit whose generated files drifted;
# outside a git checkout (an unpacked archive) there is nothing to install.
hooks:
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git config core.hooksPath .githooks; \
	fi

# GraphiQL's assets are vendored (server/graphiql/__init__.py says why); this fetches them again
# from the npm registry at the versions server/graphiql/vendor.sh pins.
graphiql-assets:
	sh server/graphiql/vendor.sh
