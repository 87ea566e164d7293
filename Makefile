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
# The demo's simulated stations as chargeBoxId:key:idTag, with the keys and tags of
# portal/cli/demo.py (SIMULATED, TAGS); one tag each, or the second is refused as ConcurrentTx.
SIMULATED_STATIONS := DEMO-SIM-01:demo-sim-key-0000001:DRIVER001 \
                      DEMO-SIM-02:demo-sim-key-0000002:FLEET002

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
# The simulated stations start first, in the background, and connect once the server is
# up (they retry); their logs go to instance/simulator-<chargeBoxId>.log. Whichever way
# the recipe ends (Ctrl-C, make or its process group killed), the trap stops them and
# the server: that is why the server runs in the background too, with `wait`.
run: install
	$(FLASK) db upgrade
	$(FLASK) demo
	@echo
	@echo "Open http://demo.$(PORTAL_DOMAIN):$(PORT) in Chromium or Firefox and log in with one of the logins above."
	@echo "(curl: curl -H 'Host: demo.$(PORTAL_DOMAIN):$(PORT)' http://127.0.0.1:$(PORT)/login)"
	@echo "Simulated stations: $(foreach station,$(SIMULATED_STATIONS),$(firstword $(subst :, ,$(station)))) (logs in instance/simulator-*.log)"
	@echo
	@mkdir -p instance
	@trap 'kill $$pids 2>/dev/null' EXIT; trap 'exit 130' INT; trap 'exit 143' TERM; \
	for station in $(SIMULATED_STATIONS); do \
	  id=$${station%%:*}; rest=$${station#*:}; key=$${rest%%:*}; tag=$${rest#*:}; \
	  $(FLASK) simulate ws://demo.$(PORTAL_DOMAIN):$(PORT)/ocpp/$$id --id $$id \
	    --auth-key $$key --id-tag $$tag --scenario live >instance/simulator-$$id.log 2>&1 & \
	  pids="$$pids $$!"; \
	done; \
	$(FLASK) serve & pids="$$pids $$!"; wait $$!

lint: install
	$(BIN)/ruff check .

# The suite's tests mostly wait (on servers, Chromium, stations): PYTEST_WORKERS=auto runs
# them in pytest-xdist processes (one per core, at most 2), each on a database of its own
# (tests/parallel.py). PYTEST_WORKERS=0 runs them in this process.
PYTEST_WORKERS ?= auto
test: lint
	$(BIN)/pytest -n $(PYTEST_WORKERS) --maxprocesses 2 --dist loadgroup $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
