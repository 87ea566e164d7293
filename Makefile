# Plugboard: `make run` starts the demo portal, `make test` runs every check.
# Settings come from the environment or .env (see README.md), e.g. PORT=8080 make run.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Written after a successful install; pip runs again only when pyproject.toml is newer.
STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask --app wsgi

PORT ?= 8000
PORTAL_DOMAIN ?= localhost

.PHONY: venv install run test lint clean

venv install: $(STAMP)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  version=$$($(PYTHON) -c 'import platform; print(platform.python_version())' 2>/dev/null); \
	  echo "Plugboard needs Python 3.11 or newer; '$(PYTHON)' is $${version:-not found}." >&2; \
	  echo "Install one, or name it: make PYTHON=/path/to/python3.11 ..." >&2; \
	  exit 1; }
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); exit 1; }

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[test]'
	@touch $@

# Migrate, seed the demo company (once), then serve on HOST:PORT until Ctrl-C.
# Simulated stations (`flask simulate`, a later release) will be started here,
# in the background, between `flask demo` and `flask serve`.
run: install
	$(FLASK) db upgrade
	$(FLASK) demo
	@echo
	@echo "Open http://demo.$(PORTAL_DOMAIN):$(PORT) in Chromium or Firefox and log in with one of the logins above."
	@echo "(curl: curl -H 'Host: demo.$(PORTAL_DOMAIN):$(PORT)' http://127.0.0.1:$(PORT)/login)"
	@echo
	$(FLASK) serve

lint: install
	$(BIN)/ruff check .

test: lint
	$(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
