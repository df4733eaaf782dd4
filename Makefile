# `make serve` and `make test` work on a fresh machine: each creates/updates .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
APT_STAMP := $(VENV)/.apt-installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian packages: the browser tests need chromium; watermarks need a TTF with Vietnamese glyphs; the server
# reads scanned pages with Tesseract (Vietnamese and English); the directory-login tests start a real OpenLDAP
# (slapd, with ldap-utils' tools) of their own, so slapd is told not to configure and start a system directory;
# the speech tests speak their sentences with espeak-ng, and ffmpeg's ffprobe is at hand to inspect a recording
# (the server decodes audio with PyAV's own FFmpeg); the minutes-signing tests keep the secretary's and chair's
# keys on SoftHSM2 tokens (softhsm2)
APT_PACKAGES := chromium fonts-noto-core fonts-dejavu-core tesseract-ocr tesseract-ocr-vie tesseract-ocr-eng \
  slapd ldap-utils espeak-ng ffmpeg softhsm2

.PHONY: serve test lint typecheck pytest bench clean venv system-deps node-deps kiosk-test

# npm packages: the kiosk's linter and formatter (Biome), what the browser tests inject into the kiosk pages
# (axe-core), and the OpenID provider the single sign-on tests run with Node.js (oidc-provider); the kiosk itself
# needs none
NPM_STAMP := node_modules/.installed
$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

node-deps: $(NPM_STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	@# torch first, pinned: the CPU wheel on this machine; sentence-transformers would otherwise pull a CUDA build
	$(BIN)/pip install --disable-pip-version-check -q torch==2.13.0
	$(BIN)/pip install --disable-pip-version-check -q -e ".[dev]"
	touch $@

venv: $(STAMP)

# the Makefile is a prerequisite so that a package added to the list is installed on the next run
$(APT_STAMP): Makefile | $(BIN)/python
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  echo "slapd slapd/no_configuration boolean true" | $(SUDO) debconf-set-selections; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	touch $@

system-deps: $(APT_STAMP)

serve: $(STAMP) $(APT_STAMP)
	$(BIN)/icabinet demo
	$(BIN)/icabinet serve

lint: $(STAMP) $(NPM_STAMP)
	$(BIN)/ruff check server documents assistant tests bench
	$(BIN)/ruff format --check server documents assistant tests bench
	npx --no-install biome check

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) $(APT_STAMP) $(NPM_STAMP)
	$(BIN)/python -m pytest

# the kiosk's pure modules (reducers, minutes merge) under Node's own test runner: no npm package needed
kiosk-test:
	node --test tests/kiosk/

test: lint typecheck kiosk-test pytest

bench: $(STAMP)
	$(BIN)/python bench/sync.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .mypy_cache node_modules
