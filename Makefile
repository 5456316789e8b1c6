# Thin wrapper: dependencies are declared once, in pyproject.toml extras.
# Every target bootstraps what it needs; a second run does no needless work.

# The interpreter .venv is made from (PYTHON=... for another): the system's /usr/bin/python3
# when it is 3.10 or newer and can make a virtual environment (ensurepip), else python3 from
# PATH. Distributions build CPython with profile-guided and link-time optimisation; pyenv's
# python-build does not by default (no --enable-optimizations), and on such a build the same
# `make test` takes about 15% longer (docs/contributing/architecture.md, "Test speed").
SYSTEM_PYTHON := /usr/bin/python3
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell $(SYSTEM_PYTHON) -c 'import sys, ensurepip, venv; sys.exit(sys.version_info < (3, 10))' >/dev/null 2>&1 && echo $(SYSTEM_PYTHON) || echo python3)
endif
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Which interpreter .venv was made with: when PYTHON names another one, .venv is made again.
MADE_WITH := $(VENV)/.made-with
# pytest-xdist: four workers, a test file at a time (`--dist loadfile`), so that a notebook's
# cells stay in one worker, in order, with their kernel and their mock. Four, not one per
# core: much of a test's time is spent waiting (for a child process, a kernel, Chromium, a
# mock's timeout or a long poll of its queue), and on a 2-core machine two more workers run
# tests in those waits (docs/contributing/architecture.md, "Test speed"). The workers
# share one site build (the `site` fixture of tests/conftest.py); files are handed out in
# collection order (--no-loadscope-reorder), which tests/conftest.py sorts longest first:
# the browser tests, which build the site and run in one worker as if one file, start
# first, and tests/test_docs.py comes long after.
TEST_WORKERS ?= 4
PARALLEL := -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder
# One strict build command, everywhere (here, CI, Read the Docs).
SPHINXBUILD := $(BIN)/sphinx-build -n -W --keep-going
SITE   := _build/html

.DEFAULT_GOAL := all
.PHONY: FORCE all install html doctor test check lint clean mock lab notebooks linkcheck bench chromium curl dist

## all: the main job: build the site, then run spapi-doctor (mock Amazon when no credentials are set)
all: html doctor

# Made with another interpreter (or not made yet): .venv is made anew, whatever the stamp says.
ifneq ($(shell cat $(MADE_WITH) 2>/dev/null),$(PYTHON))
$(STAMP): FORCE
VENV_CLEAR := --clear
endif
$(STAMP): pyproject.toml
	$(strip $(PYTHON) -m venv $(VENV_CLEAR) $(VENV))
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[docs,test,lint]' --config-settings editable_mode=compat
	echo '$(PYTHON)' > $(MADE_WITH)
	touch $(STAMP)

## install: create .venv and install the project with its docs, test and lint extras
install: $(STAMP)

## html: build the site into _build/html, strictly (warnings are errors)
html: $(STAMP)
	$(SPHINXBUILD) -b html . $(SITE)

## doctor: check your credentials, or run the demo against the embedded mock Amazon
doctor: $(STAMP)
	$(BIN)/spapi-doctor check

# Test runs write bytecode: pytest caches its rewriting of the test modules there, and every
# child process (the CLI, the kernels, the canary) reuses the package's compiled modules. Some
# images set PYTHONDONTWRITEBYTECODE, which makes each of them compile everything again.
test check: export PYTHONDONTWRITEBYTECODE =

## test: every test, in four workers (TEST_WORKERS) (units, mock, the site built strictly and checked in headless Chromium,
## notebooks under nbval); the tests build the site themselves, fresh, into a temporary folder.
## Without a chromium on PATH the browser tests are skipped (`make chromium` installs it).
test: $(STAMP)
	$(BIN)/python -m pytest $(PARALLEL) --nbval --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg

## check: the fast inner loop (14–19 s on an idle 2-core machine): lint (ruff, mypy), then
## the tests that need no site build, browser, notebook kernel or slow child process (marked slow)
# These files' tests are all deselected by the markers anyway; not collecting them at all
# saves each worker a second of imports (Playwright, the mock's test modules).
check: lint
	$(BIN)/python -m pytest -q -p no:nbval -n auto -m "not browser and not slow" \
	  --ignore=tests/mock --ignore-glob='tests/browser/test_site*.py' \
	  --ignore=tests/browser/test_consent_in_browser.py

## lint: ruff (lint and format check) over the package, tests, benchmarks, notebook tools,
## docs/_ext and conf.py, then mypy over the package (configuration: pyproject.toml)
lint: $(STAMP)
	$(BIN)/ruff check spapi_docs_helpers tests benchmarks notebooks/*.py docs/_ext conf.py
	$(BIN)/ruff format --check spapi_docs_helpers tests benchmarks notebooks/*.py docs/_ext conf.py
	$(BIN)/mypy

## dist: the sdist and the wheel into dist/, offline, with the build backend of .venv
dist: $(STAMP)
	rm -rf dist
	$(BIN)/python -m build --no-isolation --outdir dist .

## curl: the recipes the site shows use it, and tests/test_recipes.py runs them (Debian's
## package). Like chromium, only CI (.ci/run) and a developer who types it run this.
curl:
	@command -v curl >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif sudo -n true 2>/dev/null; then SUDO=sudo; else SUDO=none; fi; \
	  if [ "$$SUDO" != none ] && command -v apt-get >/dev/null 2>&1; then \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq curl >/dev/null; \
	  fi; \
	  command -v curl >/dev/null 2>&1 || { echo "curl is missing: install Debian's curl package (the recipe tests need it)"; exit 1; }; }

## chromium: the browser the site tests drive (Debian's chromium, and its chromium-headless-shell,
## which they prefer: about half the CPU; no browser download). Only CI (.ci/run) and a developer
## who types it run this: it may call `sudo apt-get install`. Without chromium the browser tests
## are skipped; with SPAPI_REQUIRE_BROWSER=1 (CI) this fails. Without the shell they use chromium.
chromium:
	@command -v chromium >/dev/null 2>&1 && command -v chromium-headless-shell >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif sudo -n true 2>/dev/null; then SUDO=sudo; else SUDO=none; fi; \
	  if [ "$$SUDO" != none ] && command -v apt-get >/dev/null 2>&1; then \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	    DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium-headless-shell >/dev/null 2>&1 || \
	      echo "no chromium-headless-shell package here: the browser tests drive chromium (more CPU)"; \
	  fi; \
	  command -v chromium >/dev/null 2>&1 || { \
	    echo "chromium is missing: install Debian's chromium package (the browser tests need it)"; \
	    if [ "$$SPAPI_REQUIRE_BROWSER" = 1 ]; then exit 1; fi; }; }

## mock: run the mock Amazon on loopback and print the environment that points at it
mock: $(STAMP)
	$(BIN)/spapi-doctor mock --env-file .mock.env

## notebooks: re-execute every notebook against the mock and rewrite its outputs
notebooks: $(STAMP)
	$(BIN)/python notebooks/regenerate.py

## lab: open JupyterLab on the notebooks, from its own .venv-lab (kept out of the test venv)
LAB_STAMP := .venv-lab/.installed
$(LAB_STAMP): pyproject.toml
	$(PYTHON) -m venv .venv-lab
	.venv-lab/bin/python -m pip install --quiet --upgrade pip
	.venv-lab/bin/python -m pip install --quiet -e '.[lab]' --config-settings editable_mode=compat
	touch $(LAB_STAMP)

lab: $(LAB_STAMP)
	.venv-lab/bin/jupyter lab notebooks/

## linkcheck: check the external links (advisory, not part of CI: some hosts are login-walled)
linkcheck: $(STAMP)
	$(BIN)/sphinx-build -n -b linkcheck . _build/linkcheck

## bench: start-up and end-to-end timings, printed as Markdown (measurements: exit 0 even on a missed target)
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

## clean: remove the build output, both virtual environments, the caches, .mock.env and test-artifacts
clean:
	rm -rf _build dist build $(VENV) .venv-lab .pytest_cache .hypothesis .mypy_cache .ruff_cache .mock.env test-artifacts
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

FORCE:
