# Thin wrapper: dependencies are declared once, in pyproject.toml extras.
# Every target bootstraps what it needs; a second run does no needless work.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# One strict build command, everywhere (here, CI, Read the Docs).
SPHINXBUILD := $(BIN)/sphinx-build -n -W --keep-going
SITE   := _build/html

.DEFAULT_GOAL := all
.PHONY: all install html doctor test lint clean mock lab notebooks linkcheck bench chromium curl dist

## all: the main job: build the site, then run spapi-doctor (mock Amazon when no credentials are set)
all: html doctor

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[docs,test]' --config-settings editable_mode=compat
	touch $(STAMP)

## install: create .venv and install the project with its docs and test extras
install: $(STAMP)

## html: build the site into _build/html, strictly (warnings are errors)
html: $(STAMP)
	$(SPHINXBUILD) -b html . $(SITE)

## doctor: check your credentials, or run the demo against the embedded mock Amazon
doctor: $(STAMP)
	$(BIN)/spapi-doctor check

## chromium: the browser the site tests drive (Debian's package; no browser download).
## Without it the browser tests are skipped; with SPAPI_REQUIRE_BROWSER=1 (CI) this fails.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif sudo -n true 2>/dev/null; then SUDO=sudo; else SUDO=none; fi; \
	  if [ "$$SUDO" != none ] && command -v apt-get >/dev/null 2>&1; then \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	  fi; \
	  command -v chromium >/dev/null 2>&1 || { \
	    echo "chromium is missing: install Debian's chromium package (the browser tests need it)"; \
	    if [ "$$SPAPI_REQUIRE_BROWSER" = 1 ]; then exit 1; fi; }; }

## curl: the recipes the site shows use it, and tests/test_recipes.py runs them (Debian's package)
curl:
	@command -v curl >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif sudo -n true 2>/dev/null; then SUDO=sudo; else SUDO=none; fi; \
	  if [ "$$SUDO" != none ] && command -v apt-get >/dev/null 2>&1; then \
	    $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq curl >/dev/null; \
	  fi; \
	  command -v curl >/dev/null 2>&1 || { echo "curl is missing: install Debian's curl package (the recipe tests need it)"; exit 1; }; }

## test: every test (units, mock, the site built strictly and checked in headless Chromium,
## the recipes the site shows, the packaging, notebooks under nbval); the tests build the site
## and the wheel themselves, fresh, into temporary folders
test: $(STAMP) chromium curl
	$(BIN)/python -m pytest --nbval --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg

## dist: the sdist and the wheel into dist/, offline, with the build backend of .venv
dist: $(STAMP)
	rm -rf dist
	$(BIN)/python -m build --no-isolation --outdir dist .

## lint: ruff (lint and format check) over the package, tests, benchmarks, notebook tools, docs/_ext, conf.py
lint: $(STAMP)
	$(BIN)/ruff check spapi_docs_helpers tests benchmarks notebooks/*.py docs/_ext conf.py
	$(BIN)/ruff format --check spapi_docs_helpers tests benchmarks notebooks/*.py docs/_ext conf.py

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
	rm -rf _build dist build $(VENV) .venv-lab .pytest_cache .hypothesis .mock.env test-artifacts
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
