# Two commands do all the set-up on a fresh machine with Python 3.11+:
#   make run    creates .venv, installs the bot, runs it
#   make test   creates .venv, installs the bot and test tools, runs every test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run serve test bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m bot

serve: $(STAMP)
	$(BIN)/python -m bot serve

test: $(STAMP)
	$(BIN)/ruff check bot fakeslack tests bench
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench.ack_latency
	$(BIN)/python -m bench.render_map
	$(BIN)/python -m bench.reminders
	$(BIN)/python -m bench.synthesis
	$(BIN)/python -m bench.big_workshop

clean:
	rm -rf $(VENV) .pytest_cache
