# The two commands a fresh clone needs: `make serve` and `make test`. Both bootstrap .venv.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test lint typecheck codegen-check pytest bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' --config-settings editable_mode=compat
	@touch $(STAMP)

serve: $(STAMP)
	$(BIN)/tradegraph serve

test: $(STAMP) lint typecheck codegen-check pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/graphql_vs_rest.py
	$(BIN)/python bench/generated_vs_handwritten.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

codegen-check: $(STAMP)
	$(BIN)/python -m codegen --check
