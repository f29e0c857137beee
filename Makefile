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
	$(BIN)/mypy

# The run's logs (the tests' and the bot processes') are kept in $(TEST_LOGS) and searched:
# no phone or ID number may be in them.
TEST_LOGS ?= .test-logs

test: lint
	rm -rf $(TEST_LOGS) && mkdir -p $(TEST_LOGS)
	VOLBOT_TEST_LOG_DIR=$(abspath $(TEST_LOGS)) scripts/with-postgres $(BIN)/pytest -n 2 --dist worksteal
	$(BIN)/python scripts/no-personal-data $(TEST_LOGS)
