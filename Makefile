# fevermap: two commands on a fresh machine with python3 and make.
#   make run   - build the bundled demo region (first time) and serve fevermap on it: http://127.0.0.1:8000/
#   make test  - the whole test suite (lint, types, tests)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test venv lint typecheck bench clean

$(STAMP): pyproject.toml fevermap/routing/_cch.c fevermap/routing/_snap.c fevermap/routing/_state.c \
          fevermap/geo/_native.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/fevermap clinics simulate >/dev/null  # clearly labelled synthetic statuses for the demo clinics
	$(BIN)/fevermap serve --host $${FEVERMAP_HOST:-127.0.0.1} --port $${FEVERMAP_PORT:-8000}

lint: $(STAMP)
	$(BIN)/ruff check fevermap tests benchmarks
	$(BIN)/ruff format --check fevermap tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

test: $(STAMP) lint typecheck
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
