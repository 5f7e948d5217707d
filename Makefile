# The two commands of the README: `make run` (the app on the bundled sample plan) and `make test`.
PY := .venv/bin/python
PORT ?= 8501

.PHONY: run test setup setup-test lint typecheck bench docs

setup:
	scripts/setup.sh

setup-test:
	scripts/setup.sh --test

run: setup
	$(PY) -m streamlit run app.py --server.port $(PORT) --server.headless true -- --plan examples/model-case-2.json

test: setup-test
	$(PY) -m ruff check .
	$(PY) -m mypy planner schemas
	$(PY) -m pytest -q

lint:
	$(PY) -m ruff check .

typecheck:
	$(PY) -m mypy planner schemas

bench: setup
	$(PY) -m bench

docs: setup
	$(PY) -m planner.docs
