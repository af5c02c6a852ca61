# Pulse: `make serve` runs the server on ./data/pulse.db; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: serve test check lint types format bench install install-test build wheel chromium proxies clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(VENV)/bin/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# The tracking script, minified by terser (pinned in sdk/package.json).
sdk/dist/pulse.min.js: sdk/pulse.js sdk/package.json sdk/package-lock.json sdk/build.mjs
	cd sdk && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent

# The wall display's ECharts and msgpack decoder (pinned in frontend/package.json; no CDN).
frontend/node_modules/.package-lock.json: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error

# Region and city data for ingest (DB-IP City Lite as MMDB, pinned in geo/package.json; CC BY 4.0).
geo/node_modules/.package-lock.json: geo/package.json geo/package-lock.json
	cd geo && npm ci --no-audit --no-fund --loglevel=error

# Brotli and gzip copies of every file the pages load (app/api/assets.py sends them).
frontend/dist/.built: frontend/node_modules/.package-lock.json frontend/compress.mjs $(shell find frontend/dashboard frontend/live frontend/settings frontend/embed -type f)
	node frontend/compress.mjs && touch $@

build: sdk/dist/pulse.min.js frontend/node_modules/.package-lock.json frontend/dist/.built geo/node_modules/.package-lock.json

# A wheel that runs without Node or the checkout: it carries what `build` made (setup.py).
wheel: build | $(VENV)/bin/python
	$(VENV)/bin/pip wheel . --no-deps -q -w dist
	@ls dist/pulse_analytics-*.whl

# Debian's chromium for the browser tests (Playwright drives it; nothing is downloaded by npx).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null; \
	fi

# Debian's nginx and Caddy for the reverse-proxy tests (tests/deploy/test_proxy.py), never
# started as services: each test runs its own on a free port.
proxies:
	@if [ ! -x /usr/sbin/nginx ] || [ ! -x /usr/bin/caddy ]; then \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nginx-light caddy >/dev/null; \
	fi

serve: install build
	$(PY) -m app.cli migrate
	exec $(PY) -m app.cli serve

test: install-test build chromium proxies
	$(VENV)/bin/pytest -q

lint: install-test
	$(VENV)/bin/ruff check app tests migrations
	$(VENV)/bin/ruff format --check app tests migrations

types: install-test
	$(VENV)/bin/mypy

check: lint types test

format: install-test
	$(VENV)/bin/ruff format app tests migrations
	$(VENV)/bin/ruff check --fix app tests migrations

# Performance harness (not tests): prints rates and ratios; see tests/benchmarks/README.md.
BENCHMARKS := ingest live queries
bench: install-test build
	@for b in $(BENCHMARKS); do echo "== $$b"; $(PY) tests/benchmarks/$$b.py || exit 1; done

clean:
	rm -rf $(VENV) sdk/node_modules sdk/dist
