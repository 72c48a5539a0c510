# Two commands do all the setup: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest install openapi clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (Python 3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Serve the API on 127.0.0.1:8000 with an embedded SQLite database and the demo data.
## In demo mode the first run creates user `admin` and prints its password.
run: $(STAMP)
	DOAN3CD_MODE=$${DOAN3CD_MODE:-demo} $(BIN)/doan3cd migrate
	DOAN3CD_MODE=$${DOAN3CD_MODE:-demo} $(BIN)/doan3cd seed-demo --if-empty
	DOAN3CD_MODE=$${DOAN3CD_MODE:-demo} $(BIN)/doan3cd demo-admin
	DOAN3CD_MODE=$${DOAN3CD_MODE:-demo} $(BIN)/doan3cd serve

## Lint, type-check and run the whole suite (PostgreSQL too when DOAN3CD_TEST_DATABASE_URL is set).
test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests migrations bench
	$(BIN)/ruff format --check src tests migrations bench

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

openapi: $(STAMP)
	$(BIN)/doan3cd export-openapi

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
