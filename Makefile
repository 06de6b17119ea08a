# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi
WORKERS ?= 2
# Every emailed link starts with it (README, "Configuration"); a deployment sets its own.
SITE_URL ?= http://127.0.0.1:$(PORT)

.PHONY: run test lint bench audit install lock browser-deps node-deps service-deps serve clean

# Exact versions with hashes from requirements.lock (`make lock` refreshes it), then the project
# itself, built with the locked setuptools.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

# Resolves pyproject.toml's dependencies (with the postgres and dev extras) to exact versions
# with hashes; pip-tools lives in a virtualenv of its own.
LOCK_VENV := .venv-lock
lock:
	test -x $(LOCK_VENV)/bin/pip-compile || \
	  ($(PYTHON) -m venv $(LOCK_VENV) && $(LOCK_VENV)/bin/python -m pip install --quiet pip-tools)
	$(LOCK_VENV)/bin/pip-compile --quiet --upgrade --extra postgres --extra dev \
	  --build-deps-for editable --generate-hashes --allow-unsafe --strip-extras \
	  --no-emit-index-url --no-emit-find-links --output-file requirements.lock pyproject.toml
	sed -i 's|^#    pip-compile .*|#    make lock|' requirements.lock

run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo ""
	@echo "Serving on http://127.0.0.1:$(PORT)  (Ctrl+C stops it)"
	@echo "Sign in at http://127.0.0.1:$(PORT)/auth/login with a demo sign-in printed above"
	@echo "(shown only when the demo is first loaded), or create one:"
	@echo "  $(FLASK) users create --email you@example.org --username you --role moderator"
	SITE_URL=$(SITE_URL) $(BIN)/gunicorn --workers $(WORKERS) --bind 127.0.0.1:$(PORT) --access-logfile - wsgi:app

# Debian's chromium for the browser tests: installed when missing and running as root.
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The browser tests need Debian's chromium: sudo apt-get install chromium" >&2; exit 1; \
	  fi; \
	fi

# Debian's PostgreSQL and Redis for the PostgreSQL test run and the multi-node tests: the tests
# start throwaway servers on loopback themselves; here they are only installed when missing.
service-deps:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! command -v redis-server >/dev/null; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-contrib redis-server >/dev/null; \
	  else \
	    echo "The PostgreSQL tests need Debian's postgresql and redis-server:" >&2; \
	    echo "  sudo apt-get install postgresql postgresql-contrib redis-server" >&2; exit 1; \
	  fi; \
	fi

# axe-core (npm) for the accessibility browser tests, exactly as package-lock.json pins it.
# npm comes from Debian's `npm` package: installed when missing and running as root.
AXE := node_modules/axe-core/axe.min.js

node-deps: $(AXE)

$(AXE): package.json package-lock.json
	@if ! command -v npm >/dev/null; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null || echo "apt-get could not install npm" >&2; \
	  fi; \
	fi
	@command -v npm >/dev/null || { \
	  echo "ERROR: npm is missing; the accessibility tests need axe-core from npm." >&2; \
	  echo "       Install it with: sudo apt-get install nodejs npm   (then run make test again)" >&2; \
	  exit 1; }
	npm ci --no-audit --no-fund
	touch $(AXE)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The whole suite on SQLite + Whoosh, then the functional, API, search and security suites on
# PostgreSQL with its search backend (docs/design.md, "One machine, then many"). Each run
# spreads its test files over TEST_WORKERS processes (pytest-xdist); TEST_WORKERS=0 runs
# them in this one.
TEST_WORKERS ?= 2
PYTEST := $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile
test: install browser-deps node-deps service-deps lint
	$(PYTEST)
	TEST_DATABASE=postgres $(PYTEST) tests/functional tests/api tests/search tests/security

# BASELINE=REV also measures a git revision's moderation paths in the same run, for comparison.
bench: install service-deps
	@if ! command -v wrk >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	fi
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/moderation.py $(if $(BASELINE),--baseline $(BASELINE))
	$(BIN)/python bench/screening.py
	$(BIN)/python bench/digests.py
	$(BIN)/python bench/search.py
	$(BIN)/python bench/search_api.py
	$(BIN)/python bench/load.py
	$(BIN)/python bench/deployment.py
	$(BIN)/python bench/experiences.py

clean:
	rm -rf $(VENV) $(LOCK_VENV) .pytest_cache .ruff_cache

# Known vulnerabilities in the installed versions, from PyPI's advisory data (pip-audit lives in
# a virtualenv of its own so that it never changes the project's). --strict fails when a
# package could not be checked: a registry without PyPI's JSON API answers "not found".
AUDIT_VENV := .venv-audit
audit: install
	test -x $(AUDIT_VENV)/bin/pip-audit || \
	  ($(PYTHON) -m venv $(AUDIT_VENV) && $(AUDIT_VENV)/bin/python -m pip install --quiet pip-audit)
	$(BIN)/python -m pip freeze --exclude-editable > $(AUDIT_VENV)/installed.txt
	$(AUDIT_VENV)/bin/pip-audit --strict --no-deps --disable-pip --progress-spinner off \
	  -r $(AUDIT_VENV)/installed.txt
