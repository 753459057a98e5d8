# CareSlot: `make run` sets everything up and starts the app; `make test` runs every check.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
WEB_BIND ?= 127.0.0.1:8000
export WEB_BIND
# The settings default DEBUG to off (production). These commands are for a developer's machine,
# so they turn it on unless the environment says otherwise; `make run` says so when it starts.
DEBUG ?= 1
export DEBUG

.PHONY: run setup install test lint browser bench fuzz clean-venv

# Re-installs whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check --upgrade pip
	$(PIP) install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

setup: install
	$(PY) manage.py preflight
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py collectstatic --noinput --verbosity 0

run: setup
	@echo
	@echo "CareSlot is starting at http://$(WEB_BIND)/  (API docs: http://$(WEB_BIND)/api/docs/)"
	@echo "Sign in with one of the demo logins above. Ctrl-C stops web, worker and beat."
	@echo "$(if $(filter 1 true yes on,$(DEBUG)),DEBUG is ON (DEBUG=$(DEBUG)): for local use only - never in production.,DEBUG is off (DEBUG=$(DEBUG)).)"
	@echo "A process that exits (a crashed worker, say) is started again (bin/keep-running); /healthz tells."
	@echo
	PATH="$(abspath $(VENV))/bin:$$PATH" $(VENV)/bin/honcho start -f Procfile

# Debian's chromium for the browser tests; installed once, when missing.
browser:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

test: lint browser
	$(PY) manage.py preflight
	$(VENV)/bin/pytest

bench: install
	$(PY) manage.py preflight
	$(PY) -m bench

# The Schemathesis run of `make test`, longer: more examples per operation and role, plus its
# coverage phase's boundary cases. Ends with operations, requests and failures by check.
FUZZ_EXAMPLES ?= 40
fuzz: install
	$(PY) manage.py preflight
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_COVERAGE=1 $(VENV)/bin/pytest tests/fuzz/test_schemathesis.py \
		-p no:cacheprovider -q --no-header --tb=no -rN
