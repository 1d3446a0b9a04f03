# Two commands for a newcomer: `make run` and `make test`. Both build .venv from the locked requirements.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-runtime
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: run test lint typecheck format bench lock clean

# Moot's own modules are compiled to bytecode first (only what changed), as Python does on its
# own unless PYTHONDONTWRITEBYTECODE is set: a start then skips compiling ~200 files.
COMPILE := $(BIN)/python -m compileall -q bot adapters storage moot

run: $(STAMP_RUN)
	@$(COMPILE) >/dev/null
	$(BIN)/moot

test: lint typecheck
	$(BIN)/pytest --durations=15

lint: $(STAMP_DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP_DEV)
	$(BIN)/mypy

format: $(STAMP_DEV)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# write_path, polls, meetings, repairs and web print their figures on SQLite, then on PostgreSQL:
# MOOT_BENCH_POSTGRES_URL if set, else a throwaway durable cluster of Debian's postgresql-15
# (bench/postgres.py), else a loud "PostgreSQL: NOT MEASURED". The others measure the process
# (start-up, stalls, Telegram) on SQLite.
bench: $(STAMP_DEV)
	@$(COMPILE) >/dev/null
	$(BIN)/python -m bench.write_path
	$(BIN)/python -m bench.polls
	$(BIN)/python -m bench.stalls
	$(BIN)/python -m bench.startup
	$(BIN)/python -m bench.meetings
	$(BIN)/python -m bench.telegram_burst
	$(BIN)/python -m bench.telegram_e2e
	$(BIN)/python -m bench.repairs
	$(BIN)/python -m bench.web
	$(BIN)/python -m bench.processes

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP_RUN): $(VENV)/bin/python requirements/runtime.lock pyproject.toml
	$(BIN)/pip install --quiet --require-hashes -r requirements/runtime.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(STAMP_DEV): $(VENV)/bin/python requirements/dev.lock pyproject.toml
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@ $(STAMP_RUN)

# Regenerate the lock files after changing dependencies in pyproject.toml (needs `uv`).
lock:
	uv pip compile pyproject.toml requirements/build.in --generate-hashes --python-version 3.11 -o requirements/runtime.lock
	uv pip compile pyproject.toml requirements/build.in --extra dev --generate-hashes --python-version 3.11 -o requirements/dev.lock

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
