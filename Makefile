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

SQLFLUFF := $(TOOLS)/sqlfluff/bin/sqlfluff

.PHONY: env sqlfluff browser postgres demo test test-fast bench clean help

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

# sqlfluff lives in an environment of its own: openmetadata-ingestion's collate-sqlfluff
# fork installs into the same package (dbt_project/sqlfluff-requirements.in says more).
$(SQLFLUFF): $(UV) dbt_project/sqlfluff-requirements.txt
	rm -rf $(TOOLS)/sqlfluff
	$(UV) venv --quiet --python $(PYTHON) $(TOOLS)/sqlfluff
	$(UV) pip install --quiet --python $(TOOLS)/sqlfluff/bin/python -r dbt_project/sqlfluff-requirements.txt
	@touch $@

sqlfluff: $(SQLFLUFF)

# The steward report (reports/quality/index.html) is checked in Debian's chromium, driven by
# playwright without its own browser download, and its Chinese labels need a CJK font.
BROWSER_PACKAGES := chromium fonts-wqy-zenhei
APT_INSTALL := apt-get update && apt-get install -y --no-install-recommends $(BROWSER_PACKAGES)

browser:
	@if command -v chromium >/dev/null && fc-list :lang=zh 2>/dev/null | grep -q .; then :; \
	elif [ "$$(id -u)" = 0 ]; then sh -c '$(APT_INSTALL)'; \
	elif command -v sudo >/dev/null; then sudo sh -c '$(APT_INSTALL)'; \
	else echo "make: chromium and a CJK font are needed for the steward report's browser test;" \
	          "as root run: $(APT_INSTALL)" >&2; fi

# The scheduler test (tests/e2e/test_airflow_scheduler.py) runs Airflow on a throwaway PostgreSQL
# cluster it makes with Debian's initdb, as a deployment's metadata database.
PG_APT_INSTALL := apt-get update && apt-get install -y --no-install-recommends postgresql

postgres:
	@if command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then sh -c '$(PG_APT_INSTALL)'; \
	elif command -v sudo >/dev/null; then sudo sh -c '$(PG_APT_INSTALL)'; \
	else echo "make: PostgreSQL's server is needed for the scheduler test; as root run: $(PG_APT_INSTALL)" >&2; fi

demo: env
	$(VENV)/bin/govlake demo --persons $(PERSONS) --seed $(SEED)

test: env sqlfluff browser postgres
	$(VENV)/bin/python -m pytest

test-fast: env
	$(VENV)/bin/python -m pytest -m "not airflow and not slow"

bench: env
	$(VENV)/bin/python bench/ingest.py
	$(VENV)/bin/python bench/build.py
	$(VENV)/bin/python bench/quality.py
	$(VENV)/bin/python bench/gateway.py

clean:
	rm -rf lake dbt_project/target dbt_project/logs .pytest_cache
