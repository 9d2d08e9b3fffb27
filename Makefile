# Two commands set everything up on a fresh machine: `make demo` and `make test`
# (lint, types, tests, and the docs site built with warnings as errors).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest bench clean redis-server docs endpoints

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

# Tests start their own redis-server on a free loopback port; install the binary when missing.
redis-server:
	@command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 || { \
	  echo "installing redis-server"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server redis-tools; \
	  else sudo apt-get update -q && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server redis-tools; fi; }

demo: $(STAMP)
	$(BIN)/blaaiz-async demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy --strict blaaiz_async examples

pytest: $(STAMP) redis-server
	$(BIN)/pytest -q

test: lint typecheck pytest docs

# The docs site (mkdocs.yml) into build/site, warnings as errors. No --quiet: mkdocs
# counts only the warnings it logs, so --quiet turns --strict off.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# docs/endpoints.md from the route table (a test fails when it is stale).
endpoints: $(STAMP)
	$(BIN)/python -m blaaiz_async.docs > docs/endpoints.md

bench: $(STAMP) redis-server
	$(BIN)/python benchmarks/token_sharing.py
	$(BIN)/python benchmarks/overhead.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache build/site
