# Every target creates .venv from pyproject.toml when it is missing or stale.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SOURCES := egress tests examples benchmarks

.PHONY: test lint types imports pytest bench demo clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	touch $(STAMP)

test: lint types imports pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check $(SOURCES)
	$(VENV)/bin/ruff format --check $(SOURCES)

types: $(STAMP)
	$(VENV)/bin/mypy --strict egress

# The layers contract in pyproject.toml: integrations -> endpoints -> pipeline ->
# responses -> encoders, never the other way.
imports: $(STAMP)
	$(VENV)/bin/lint-imports

pytest: $(STAMP)
	$(PY) -m pytest --cov=egress --cov-report=term-missing:skip-covered

bench: $(STAMP)
	@for f in benchmarks/[a-z]*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

demo: $(STAMP)
	$(PY) examples/app.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .coverage
