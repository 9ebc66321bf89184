# govlake — the two commands a new user needs: `make demo` and `make test`.
# Everything is installed from PyPI by uv into .venv from the committed uv.lock.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PERSONS ?= 20000
SEED ?= 42

export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Precompile at install: these machines set PYTHONDONTWRITEBYTECODE, so otherwise every
# process (CLI, Airflow task, ingest worker) recompiles its imports (~1 s each, measured).
export UV_COMPILE_BYTECODE := 1

.PHONY: env demo test test-fast bench clean help

help:
	@echo "make demo    create the environment, generate the synthetic city, run the pipeline through Airflow"
	@echo "make test    create the environment if needed and run the whole test suite"
	@echo "make bench   run the benchmarks under bench/ (1,000,000 persons; slow)"
	@echo "make clean   remove the lake and build outputs (keeps .venv)"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

env: $(VENV)/.synced

demo: env
	$(VENV)/bin/govlake demo --persons $(PERSONS) --seed $(SEED)

test: env
	$(VENV)/bin/python -m pytest

test-fast: env
	$(VENV)/bin/python -m pytest -m "not airflow and not slow"

bench: env
	$(VENV)/bin/python bench/ingest.py

clean:
	rm -rf lake dbt_project/target dbt_project/logs .pytest_cache
