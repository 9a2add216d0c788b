# Every target creates .venv from pyproject.toml when it is missing or stale.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.installed-demo
SOURCES := egress tests examples benchmarks docs/hooks.py docs/griffe_aliases.py

.PHONY: test lint types imports pytest services bench demo docs docs-serve clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	touch $(STAMP)

# The demo needs only egress, Starlette and uvicorn.
$(DEMO_STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[demo]'
	touch $(DEMO_STAMP)

test: lint types imports pytest

# The real services the tests start themselves: a Redis server and a headless Chromium,
# from Debian's packages, installed once when the machine lacks them.
SERVICES := redis-server chromium
services:
	@missing=; for p in $(SERVICES); do command -v $$p >/dev/null || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing from Debian's packages"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

lint: $(STAMP)
	$(VENV)/bin/ruff check $(SOURCES)
	$(VENV)/bin/ruff format --check $(SOURCES)

types: $(STAMP)
	$(VENV)/bin/mypy --strict egress

# The layers contract in pyproject.toml: integrations -> endpoints -> pipeline ->
# responses -> encoders, never the other way.
imports: $(STAMP)
	$(VENV)/bin/lint-imports

pytest: $(STAMP) services
	$(PY) -m pytest --cov=egress --cov-report=term-missing:skip-covered

# Each benchmark writes its table to benchmarks/results/; charts.py then draws them.
bench: $(STAMP)
	@for f in benchmarks/[a-z]*.py; do [ "$$f" = benchmarks/charts.py ] && continue; echo "== $$f"; $(PY) $$f || exit 1; done
	$(PY) benchmarks/charts.py

demo: $(DEMO_STAMP)
	$(PY) examples/app.py

docs: $(STAMP)
	$(VENV)/bin/mkdocs build --strict --site-dir site

docs-serve: $(STAMP)
	$(VENV)/bin/mkdocs serve --dev-addr 127.0.0.1:8001

clean:
	rm -rf $(VENV) site .mypy_cache .pytest_cache .ruff_cache .coverage
