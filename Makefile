# The two commands a newcomer needs: `make up` and `make test`.
SHELL := /bin/bash
PYTHON ?= /usr/bin/python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
PYTEST_ARGS ?=

.PHONY: help install system venv tools kubernetes images check format generate test test-unit \
        test-integration test-browser test-e2e up bench clean screenshots

help:
	@echo "make up     start the embedded enclave on this machine"
	@echo "make test   install everything needed, run make check, then the whole suite"
	@echo "make check  format, lint, types, import contracts, generated-artefact drift"

install: system venv tools kubernetes images

system:
	@bash .ci/install-system.sh

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@echo "[venv] creating $(VENV) and installing the package with its dev tools"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install -q --upgrade pip
	@$(BIN)/pip install -q -e '.[dev]'
	@touch $@

tools:
	@bash .ci/install-tools.sh

kubernetes:
	@bash .ci/build-kubernetes.sh
	@bash .ci/build-node.sh

images: system
	@bash .ci/build-images.sh

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

generate: venv
	$(BIN)/tre dev generate

check: venv
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/tre dev generate --check

test: install check
	$(BIN)/pytest $(PYTEST_ARGS)

test-unit: venv
	$(BIN)/pytest -m unit $(PYTEST_ARGS)

test-integration: install
	$(BIN)/pytest -m integration $(PYTEST_ARGS)

test-browser: install
	$(BIN)/pytest -m browser $(PYTEST_ARGS)

test-e2e: install
	$(BIN)/pytest -m e2e $(PYTEST_ARGS)

# The airlock's page screenshots in docs/images/airlock, taken by the page-check tests.
screenshots: install
	TRE_SCREENSHOTS_DIR=$(abspath docs/images/airlock) $(BIN)/pytest -q tests/browser/test_airlock_every_page.py

up: system venv tools
	$(BIN)/tre up

bench: install
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
