# The two commands of the README: `make run` (the app on the bundled sample plan) and `make test`.
PY := .venv/bin/python
PORT ?= 8501

.PHONY: run test setup setup-test lint typecheck bench docs lock replicas

setup:
	scripts/setup.sh

setup-test:
	scripts/setup.sh --test

run: setup
	$(PY) -m streamlit run app.py --server.port $(PORT) --server.headless true -- --plan examples/model-case-2.json

test: setup-test
	$(PY) -m ruff check .
	.venv/bin/lint-imports --no-cache
	$(PY) -m mypy planner schemas cli store
	$(PY) -m pytest -q

# Two app replicas on PostgreSQL behind nginx, all on 127.0.0.1 (docs/deploy.md): http://127.0.0.1:8080/
replicas: setup-test
	$(PY) -m scripts.replicas --port $(or $(REPLICAS_PORT),8080)

lint:
	$(PY) -m ruff check .
	.venv/bin/lint-imports --no-cache

typecheck:
	$(PY) -m mypy planner schemas cli store

bench: setup
	$(PY) -m bench

docs: setup
	$(PY) -m scripts.rules_doc

# Refresh requirements/lock.txt from pyproject.toml (pip-tools). Pins already in the lock are kept;
# `make lock UPGRADE="streamlit pandas"` re-resolves just those, `make lock UPGRADE=--all` everything.
PIP_TOOLS := pip-tools==7.7.0
UPGRADE ?=
lock:
	[ -x $(PY) ] || python3 -m venv .venv
	$(PY) -m piptools --version >/dev/null 2>&1 || $(PY) -m pip install -q "$(PIP_TOOLS)"
	CUSTOM_COMPILE_COMMAND="make lock" $(PY) -m piptools compile --quiet --generate-hashes --allow-unsafe \
	  --strip-extras --extra dev --no-emit-index-url --no-emit-find-links \
	  $(if $(filter --all,$(UPGRADE)),--upgrade,$(addprefix --upgrade-package ,$(UPGRADE))) \
	  -o requirements/lock.txt pyproject.toml
