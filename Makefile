# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi
WORKERS ?= 2

.PHONY: run test lint bench install browser-deps serve clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@echo ""
	@echo "Serving on http://127.0.0.1:$(PORT)  (Ctrl+C stops it)"
	@echo "Sign in at http://127.0.0.1:$(PORT)/auth/login with a demo sign-in printed above"
	@echo "(shown only when the demo is first loaded), or create one:"
	@echo "  $(FLASK) users create --email you@example.org --username you --role moderator"
	$(BIN)/gunicorn --workers $(WORKERS) --bind 127.0.0.1:$(PORT) --access-logfile - wsgi:app

# Debian's chromium for the browser tests: installed when missing and running as root.
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "The browser tests need Debian's chromium: sudo apt-get install chromium" >&2; exit 1; \
	  fi; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: install browser-deps lint
	$(BIN)/python -m pytest

bench: install
	@if ! command -v wrk >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	fi
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/moderation.py
	$(BIN)/python bench/search.py
	$(BIN)/python bench/search_api.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
