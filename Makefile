# The two commands a newcomer needs: `make sandbox` (chat with the bot, no Telegram needed)
# and `make test` (lint and the whole test suite, PostgreSQL included when it is installed).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: sandbox test lint install

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

sandbox: install
	$(BIN)/volbot sandbox

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	scripts/with-postgres $(BIN)/pytest -n 2 --dist worksteal
