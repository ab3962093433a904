# The few verbs people type. `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_ENV := DJANGO_SETTINGS_MODULE=region27.config.settings.demo REGION27_DATA_DIR=$(CURDIR)/var

.PHONY: demo test lint format typecheck install node bench clean-demo

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

node_modules/axe-core/axe.min.js: package.json
	@if command -v npm >/dev/null 2>&1; then npm install --no-audit --no-fund --silent; \
	else echo "npm absent : les tests d'accessibilité (axe-core) seront ignorés."; fi

node: node_modules/axe-core/axe.min.js

demo: $(STAMP)
	$(DEMO_ENV) $(BIN)/region27 demo-setup
	@echo "Site de démonstration : http://127.0.0.1:8000 (Ctrl+C pour arrêter)"
	$(DEMO_ENV) $(BIN)/region27 serve --bind 127.0.0.1:8000

test: $(STAMP) node
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(STAMP)
	$(BIN)/mypy

clean-demo:
	rm -rf var
