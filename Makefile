# Hanjiang: one command per job. `make run` and `make test` set everything up on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/hanjiang
PIP := $(BIN)/python -m pip --disable-pip-version-check

.DEFAULT_GOAL := help
.PHONY: help install run test test-pg e2e lint typecheck check bench lock messages clean

help: ## List the commands
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet -r requirements.lock
	$(PIP) install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the locked dependencies

run: $(STAMP) ## Set up var/hanjiang.sqlite3 (reference + demo data) and serve http://127.0.0.1:8000
	$(BIN)/hanjiang setup
	$(BIN)/hanjiang serve

test: $(STAMP) ## Run the whole test suite on SQLite
	$(BIN)/hanjiang compile_translations
	$(BIN)/pytest

test-pg: $(STAMP) ## Run the whole test suite on PostgreSQL (PG_URL)
	$(BIN)/hanjiang compile_translations
	DATABASE_URL=$(PG_URL) $(BIN)/pytest

e2e: $(STAMP) ## Run the browser tests in headless Chromium (/usr/bin/chromium)
	$(BIN)/hanjiang compile_translations
	$(BIN)/pytest -m e2e

lint: $(STAMP) ## Ruff, import-linter layer contracts, migrations and translation checks
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/hanjiang makemigrations --check --dry-run

typecheck: $(STAMP) ## mypy with the django-stubs plugin
	$(BIN)/mypy src config

check: lint typecheck test ## lint, typecheck and test

bench: $(STAMP) ## Run the benchmarks under bench/
	@for script in bench/[a-z]*.py; do [ -e "$$script" ] || continue; echo "== $$script"; $(BIN)/python $$script; done

messages: $(STAMP) ## Extract translatable strings into locale/zh_Hans (needs GNU gettext)
	$(BIN)/hanjiang makemessages -l zh_Hans --ignore='.venv/*' --ignore='var/*' --no-obsolete

lock: $(STAMP) ## Re-pin requirements.lock from the current environment
	$(PIP) freeze --exclude-editable | grep -v '^hanjiang' > requirements.lock

clean: ## Remove the virtual environment and caches (keeps var/, the data)
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
