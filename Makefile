# Headstart: two commands for people, the rest are helpers.
#
#   make demo    set up, load the demo content and serve it on http://127.0.0.1:5000
#   make test    set up and run every test, on SQLite and then on a throwaway PostgreSQL
#
# Variables: PYTHON (3.11+, for the virtualenv), PORT and HOST (demo), PYTEST_ARGS (extra
# pytest arguments for both test runs, e.g. make test PYTEST_ARGS='-x -k esco').

SHELL := /bin/bash

PYTHON ?= python3
VENV := .venv
VENV_PY := $(VENV)/bin/python
PIP := $(VENV_PY) -m pip
PIP_FLAGS ?= --progress-bar off
# pip takes the CPU build of this torch from the local wheel directory (PIP_FIND_LINKS);
# left unpinned, torch would come as a CUDA build of several GB. Keep in step with pyproject.toml.
TORCH_PIN := torch==2.13.0
# Reinstalls only when pyproject.toml changes (or the venv is new).
STAMP := $(VENV)/.headstart-installed

HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=

# What `make test` needs besides the virtualenv.
TEST_PREREQUISITES := venv postgres-binaries browsers

PYTEST_SQLITE := $(VENV_PY) -m pytest $(PYTEST_ARGS)
PYTEST_POSTGRES := $(VENV_PY) -m tests.postgres_server -- $(VENV_PY) -m pytest $(PYTEST_ARGS)

.DEFAULT_GOAL := help
.PHONY: help demo test test-sqlite test-postgres venv postgres-binaries browsers translations audit clean

help:
	@echo "make demo    set up, seed the demo content, serve on http://$(HOST):$(PORT)"
	@echo "make test    set up and run all tests on SQLite, then on a throwaway PostgreSQL"
	@echo "helpers: venv, test-sqlite, test-postgres, postgres-binaries, browsers, translations, audit, clean"

# -- the two commands ----------------------------------------------------------------------

demo: venv
	$(VENV)/bin/headstart init
	$(VENV)/bin/headstart seed --demo-users
	$(VENV)/bin/headstart serve --host $(HOST) --port $(PORT)

# Both runs always happen; the target fails if either failed.
test: $(TEST_PREREQUISITES)
	@status=0; \
	echo "==> pytest on SQLite"; \
	$(PYTEST_SQLITE) || status=1; \
	echo "==> pytest on PostgreSQL"; \
	$(PYTEST_POSTGRES) || status=1; \
	if [ $$status -ne 0 ]; then echo "make test: FAILED (see above)" >&2; fi; \
	exit $$status

# -- helpers -------------------------------------------------------------------------------

test-sqlite: venv
	$(PYTEST_SQLITE)

test-postgres: venv postgres-binaries
	$(PYTEST_POSTGRES)

venv: $(STAMP)

$(VENV_PY):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
		echo "Headstart needs Python 3.11 or newer: '$(PYTHON)' is $$($(PYTHON) --version 2>&1)." \
		     "Run make with PYTHON=/path/to/python3.11 or newer." >&2; exit 1; }
	$(PYTHON) -m venv --clear $(VENV)
	$(PIP) install $(PIP_FLAGS) --upgrade pip

$(STAMP): pyproject.toml | $(VENV_PY)
	$(PIP) install $(PIP_FLAGS) '$(TORCH_PIN)'
	$(PIP) install $(PIP_FLAGS) -e '.[test]'
	@touch $@

# The PostgreSQL server binaries for the PostgreSQL test run (tests/postgres_server.py
# starts its own throwaway server from them). Installed from Debian only when missing and
# only when we may (root with apt-get); otherwise the PostgreSQL run says what is missing.
postgres-binaries:
	@if command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		:; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "==> installing PostgreSQL from Debian"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql; \
	else \
		echo "warning: PostgreSQL server binaries (initdb) not found; install Debian's postgresql" >&2; \
	fi

# Chromium for the browser tests (Playwright drives it; Playwright's own browser download
# needs the internet). From Debian, only when missing and only when we may.
browsers:
	@if [ -x "$${HEADSTART_CHROMIUM:-/usr/bin/chromium}" ]; then \
		:; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "==> installing Chromium from Debian"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; \
	else \
		echo "warning: Chromium not found; the browser tests will be skipped (apt-get install chromium)" >&2; \
	fi

# After changing user-visible text: extract the messages, merge them into every
# catalogue, and compile. Then translate the new entries in webapp/translations/*/LC_MESSAGES/messages.po
# and run it again (tests/test_translations.py fails while a catalogue is incomplete or stale).
translations: venv
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k N_ -k L -k gettext_in:2 -o webapp/translations/messages.pot --no-location --sort-output --project Headstart .
	@for lang in fr ar; do \
		if [ -f webapp/translations/$$lang/LC_MESSAGES/messages.po ]; then \
			$(VENV)/bin/pybabel update -i webapp/translations/messages.pot -d webapp/translations -l $$lang --no-fuzzy-matching --ignore-obsolete; \
		else \
			$(VENV)/bin/pybabel init -i webapp/translations/messages.pot -d webapp/translations -l $$lang; \
		fi; \
	done
	$(VENV)/bin/pybabel compile -d webapp/translations --statistics

# Known vulnerabilities in the installed dependencies (pip-audit, from the bench extra).
# Needs PyPI's per-release JSON or OSV; where neither answers (this development machine
# reaches only a package mirror), pip-audit reports every package as "not found": that is
# not a pass, and `make audit` fails.
audit: venv
	$(VENV_PY) -m pip install $(PIP_FLAGS) -e '.[bench]'
	$(VENV)/bin/pip-audit --local --progress-spinner off --strict

clean:
	rm -rf $(VENV) .pytest_cache
