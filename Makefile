# Satu Pintu: `make demo` serves the demo; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# `make demo PORT=8001` serves elsewhere; links in the demo's messages follow (SITE_URL).
PORT ?= 8000
SITE_URL ?= http://127.0.0.1:$(PORT)
DEMO_ENV := DJANGO_ENV=demo SITE_URL=$(SITE_URL)
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/satupintu
CHROMIUM ?= /usr/bin/chromium

.PHONY: demo prod services test lint bench e2e schema messages install clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	mkdir -p var
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py collectstatic --noinput -v0
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The production processes (Procfile) under honcho against the local PostgreSQL and Redis:
# migrates and collects static files first; values from the environment (README "Deploying").
prod: $(STAMP)
	PORT=$(PORT) bash scripts/prod.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy satupintu

# PostgreSQL and Redis started where installed but not running; one line says what is missing.
services:
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) bash scripts/services.sh

test: $(STAMP) services lint
	mkdir -p var
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py collectstatic --noinput -v0
	DATABASE_URL=$(TEST_DATABASE_URL) CHROMIUM=$(CHROMIUM) $(BIN)/pytest -p no:cacheprovider

e2e: $(STAMP)
	DATABASE_URL=$(TEST_DATABASE_URL) CHROMIUM=$(CHROMIUM) $(BIN)/pytest -p no:cacheprovider e2e

# Every benchmark runs even when one fails; the closing table says PASS or FAIL for each figure.
BENCHES := catalog_search tracking notify_burst closure_move booking_burst report_filing metrics_middleware dashboards
bench: $(STAMP)
	mkdir -p var
	rm -f var/bench-results.jsonl
	-for name in $(BENCHES); do DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python bench/$$name.py; done
	$(BIN)/python bench/summary.py

schema: $(STAMP)
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python manage.py spectacular --validate --fail-on-warn --file openapi.yaml

messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l id --no-obsolete --ignore=.venv --ignore=var --ignore=bench --ignore=e2e
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var
