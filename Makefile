# Anze: `make run` serves the embedded platform with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: run run-distributed test test-fast lint bench schema clean help

help:
	@echo "make run    - install, migrate, seed demo data on first start, serve on http://127.0.0.1:$(PORT)"
	@echo "make test   - install with dev extras and run the whole test suite"
	@echo "make lint   - ruff and mypy"
	@echo "make bench  - benchmarks (PostgreSQL), printing figures and ratios"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)
	$(BIN)/anze up --port $(PORT)

run-distributed: $(STAMP_RUN)
	$(BIN)/anze up --distributed

test: $(STAMP_DEV)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: $(STAMP_DEV)
	$(BIN)/python -m pytest -m "not browser and not distributed" $(PYTEST_ARGS)

lint: $(STAMP_DEV)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(STAMP_DEV)
	@for script in bench/*.py; do \
		case $$script in */_*) continue;; esac; \
		echo "== $$script"; $(BIN)/python $$script || exit 1; \
	done

schema: $(STAMP_DEV)
	$(BIN)/python -m gateway.schema > gateway/schema.graphql

clean:
	rm -rf var test-artifacts .pytest_cache
