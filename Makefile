# aeautomation: `make run` sets everything up and runs the product on the embedded default
# (SQLite + django-q2's ORM broker); `make test` runs the tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-12)
JS     := jobs/tests/js
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install js browser lint run test test-pg bench demo-fixtures clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $@

# Node packages for the tests: acorn and @nexrender/types (script and job JSON checks), a
# real @nexrender/server for the deploy target, and nexrender's job runner (@nexrender/core and
# @nexrender/action-copy) for the delivery tests. The last one skips core's peer dependencies
# (every nexrender action and provider) with legacy-peer-deps, as its .npmrc and lockfile say.
NXS := jobs/tests/nexrender_server
NXC := jobs/tests/nexrender_core
js: $(JS)/node_modules/.package-lock.json $(NXS)/node_modules/.package-lock.json $(NXC)/node_modules/.package-lock.json

$(JS)/node_modules/.package-lock.json: $(JS)/package.json $(JS)/package-lock.json
	npm ci --prefix $(JS) --no-audit --no-fund --loglevel=error

$(NXS)/node_modules/.package-lock.json: $(NXS)/package.json $(NXS)/package-lock.json
	npm ci --prefix $(NXS) --no-audit --no-fund --loglevel=error

$(NXC)/node_modules/.package-lock.json: $(NXC)/package.json $(NXC)/package-lock.json $(NXC)/.npmrc
	npm ci --prefix $(NXC) --legacy-peer-deps --no-audit --no-fund --loglevel=error

# Browser tests drive Debian's Chromium through Playwright (never `playwright install`). As root
# (CI), install it when missing; otherwise those tests skip and say why.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is not installed: browser tests will be skipped (apt-get install chromium)"; fi; \
	fi

demo-fixtures: install
	$(BIN)/python manage.py make_demo_fixtures

run: install
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py setup_demo
	DEBUG=1 $(BIN)/python manage.py serve --host $(HOST) --port $(PORT)

# Style (ruff) and architecture (import-linter: see pyproject.toml) before the tests.
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-logo --no-cache

test: install js browser lint
	$(BIN)/python -m pytest -q

# The same suite against PostgreSQL (CI's second leg).
test-pg: install js browser
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(BIN)/python -m pytest -q

bench: install
	$(BIN)/python bench/import_bench.py
	$(BIN)/python bench/ingest_bench.py
	$(BIN)/python bench/matching_bench.py
	$(BIN)/python bench/preview_bench.py
	$(BIN)/python bench/dashboard_bench.py

clean:
	rm -rf $(VENV) data $(JS)/node_modules $(NXS)/node_modules $(NXC)/node_modules
