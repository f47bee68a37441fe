# Catalyst: `make run` to try or run it, `make test` to run every check.
# The first use of either creates .venv/ and installs Catalyst into it.

# The first Python 3.11+ found (override with `make PYTHON=/path/to/python3.12 run`).
ifeq ($(origin PYTHON), undefined)
PYTHON := $(shell for p in python3 python3.13 python3.12 python3.11; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 \
	&& { echo $$p; break; }; done)
endif
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run shell test lint messages bench bench-fanout bench-resources bench-pairing bench-sets bench-intros bench-ack bench-report install clean

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "Catalyst needs Python 3.11 or newer: install it from python.org, then run make again."; exit 1; fi
	@echo "Setting up Catalyst in $(VENV) (first run only; takes a minute)…"
	@$(PYTHON) -m venv $(VENV)
	@# The installer's own notices (setuptools' editable-install banner) go to a log that is
	@# shown only if the install fails, so a first run prints one line, not three boxes.
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip \
		> $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]' \
		>> $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

## Run Catalyst: connects to Slack when credentials are set, otherwise opens the console.
run: $(STAMP)
	@$(BIN)/catalyst run --console-fallback

## The local console on its own.
shell: $(STAMP)
	@$(BIN)/catalyst shell

## Bring the translation catalogues in step with the code: extract every marked string into
## locales/catalyst.pot, then add new entries to (and drop gone ones from) each language.
messages: $(STAMP)
	@$(BIN)/pybabel --quiet extract
	@$(BIN)/pybabel --quiet update
	@$(BIN)/python -m tests.i18n_lint

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

## Every check: lint, format, types, and the tests on SQLite (and PostgreSQL when
## CATALYST_TEST_POSTGRES_URL is set, e.g. postgresql://postgres@127.0.0.1:5432/test),
## then the tests again with the wall clock moved 400 days ahead: a test whose dates and
## "now" come from different sources fails there, long before the calendar catches up.
test: lint
	$(BIN)/pytest
	CATALYST_TEST_SHIFT_DAYS=400 $(BIN)/pytest -q

## Benchmarks (see benchmarks/results/ for the latest figures).
bench: $(STAMP)
	$(BIN)/python -m benchmarks.bench_http

bench-fanout: $(STAMP)
	$(BIN)/python -m benchmarks.bench_fanout

bench-resources: $(STAMP)
	$(BIN)/python -m benchmarks.bench_resources

bench-pairing: $(STAMP)
	$(BIN)/python -m benchmarks.bench_pairing

bench-sets: $(STAMP)
	$(BIN)/python -m benchmarks.bench_sets

bench-intros: $(STAMP)
	$(BIN)/python -m benchmarks.bench_intros

bench-ack: $(STAMP)
	$(BIN)/python -m benchmarks.ack_latency_discord

bench-report: $(STAMP)
	$(BIN)/python -m benchmarks.report

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
