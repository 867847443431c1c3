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
# Exact pins of every dependency (runtime and the test, deploy and bench extras); every
# install below uses it as constraints. Regenerate with `make lock`.
LOCK := requirements.lock
# Reinstalls only when pyproject.toml or the lock changes (or the venv is new).
STAMP := $(VENV)/.headstart-installed

HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=

# What `make test` needs besides the virtualenv.
TEST_PREREQUISITES := venv postgres-binaries browsers

PYTEST_SQLITE := $(VENV_PY) -m pytest $(PYTEST_ARGS)
PYTEST_POSTGRES := $(VENV_PY) -m tests.postgres_server -- $(VENV_PY) -m pytest $(PYTEST_ARGS)

.DEFAULT_GOAL := help
.PHONY: help demo test test-sqlite test-postgres venv postgres-binaries browsers translations audit lock clean

help:
	@echo "make demo    set up, seed the demo content, serve on http://$(HOST):$(PORT)"
	@echo "make test    set up and run all tests on SQLite, then on a throwaway PostgreSQL"
	@echo "helpers: venv, test-sqlite, test-postgres, postgres-binaries, browsers, translations, audit, lock, clean"

# -- the two commands ----------------------------------------------------------------------

demo: venv
	$(VENV)/bin/headstart init
	$(VENV)/bin/headstart seed --demo-users
	$(VENV)/bin/headstart serve --worker --host $(HOST) --port $(PORT)

# Both runs always happen; the target fails if either failed. First the locked releases
# are checked against PyPI's vulnerability data (deploy/audit_dependencies.py): a locked
# release that is PyPI's latest and has a known vulnerability fails the target; where PyPI
# cannot be reached it says NOTHING WAS CHECKED and the tests still run.
test: $(TEST_PREREQUISITES)
	@status=0; \
	echo "==> dependency audit of $(LOCK)"; \
	$(VENV_PY) deploy/audit_dependencies.py $(LOCK) || status=1; \
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

$(STAMP): pyproject.toml $(LOCK) | $(VENV_PY)
	$(PIP) install $(PIP_FLAGS) -c $(LOCK) '$(TORCH_PIN)'
	$(PIP) install $(PIP_FLAGS) -c $(LOCK) -e '.[test]'
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

# Known vulnerabilities in the locked releases, two ways; both always run and the target
# fails if either failed.
# 1. pip-audit (from the bench extra) over requirements.lock. It needs PyPI's per-release
#    JSON (its default service) or OSV (PIP_AUDIT_ARGS='-s osv'); where neither answers, as
#    on the development machine, it reports a pin as "not found" and fails: not a pass.
# 2. deploy/audit_dependencies.py --strict: PyPI's project JSON, which answers there but
#    describes only each project's latest release; pins older than that are NOT COVERED,
#    and --strict fails on them.
PIP_AUDIT_ARGS ?=
audit: venv
	$(PIP) install $(PIP_FLAGS) -c $(LOCK) -e '.[bench]'
	@status=0; \
	echo "==> pip-audit over $(LOCK)"; \
	$(VENV)/bin/pip-audit -r $(LOCK) --no-deps --disable-pip --strict --progress-spinner off $(PIP_AUDIT_ARGS) || status=1; \
	echo "==> deploy/audit_dependencies.py --strict $(LOCK)"; \
	$(VENV_PY) deploy/audit_dependencies.py --strict $(LOCK) || status=1; \
	if [ $$status -ne 0 ]; then echo "make audit: FAILED (see above)" >&2; fi; \
	exit $$status

# Rewrites requirements.lock: resolves runtime + test, deploy and bench extras afresh in a
# throwaway virtualenv (torch first, from the local CPU wheel, as for .venv) and pins what
# pip installed. Run it after changing dependencies in pyproject.toml or to take newer
# releases, then `make audit` / `make test` (which reinstalls .venv from the new lock).
lock:
	@set -euo pipefail; \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(PYTHON) -m venv "$$tmp/venv"; \
	py="$$tmp/venv/bin/python"; \
	"$$py" -m pip install $(PIP_FLAGS) --quiet --upgrade pip; \
	"$$py" -m pip install $(PIP_FLAGS) --quiet '$(TORCH_PIN)'; \
	"$$py" -m pip install $(PIP_FLAGS) --quiet -e '.[test,deploy,bench]'; \
	{ \
	  echo "# Exact pins of every distribution Headstart installs: runtime and the test, deploy"; \
	  echo "# and bench extras. Generated by \`make lock\`; do not edit by hand: change pyproject.toml"; \
	  echo "# and run \`make lock\` again. How it is made: a throwaway virtualenv, pip install"; \
	  echo "# $(TORCH_PIN) (the CPU wheel from PIP_FIND_LINKS), pip install -e '.[test,deploy,bench]',"; \
	  echo "# pip freeze --all --exclude-editable without pip itself (setuptools stays: torch needs"; \
	  echo "# it), torch's local label (+cpu) dropped: ==2.13.0 also matches the CPU wheel."; \
	  echo "# Resolved with Python $$("$$py" -c 'import platform; print(platform.python_version(), platform.system(), platform.machine())')."; \
	  echo "# The Makefile and deploy/Dockerfile install with it as constraints (-c); make audit"; \
	  echo "# and make test check it (deploy/audit_dependencies.py)."; \
	  "$$py" -m pip freeze --all --exclude-editable | grep -v -i -E '^(headstart|pip)( |=|@)' \
	    | sed -E 's/^(torch==[^+]+)\+.*$$/\1/'; \
	} > "$$tmp/lock"; \
	mv "$$tmp/lock" $(LOCK); \
	echo "make lock: wrote $(LOCK) ($$(grep -c -v '^#' $(LOCK)) pins)"

clean:
	rm -rf $(VENV) .pytest_cache
