# Segmenta: `make run` serves the app with demo data; `make test` checks and tests it.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

# Local development runs with DEBUG on (development SECRET_KEY, plain HTTP); production
# sets DEBUG=0 and its own SECRET_KEY in the environment.
export DEBUG ?= 1
# Links in messages point at the server that `make run` starts.
export SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test lint format migrate demo browser clean dbclean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

migrate: $(STAMP)
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py bootstrap_demo

run: demo
	@echo "Serving Segmenta on http://$(HOST):$(PORT)/ with a Celery worker and beat (Ctrl-C stops all)"
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/celery -A config worker --loglevel=INFO --concurrency=2 & \
	$(BIN)/celery -A config beat --loglevel=INFO & \
	$(PY) manage.py runserver --noreload $(HOST):$(PORT)

# Debian's chromium drives the browser tests (Playwright cannot download its own here).
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "Browser tests need Debian's chromium: sudo apt-get install chromium" >&2; exit 1; fi; }

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-logo
	$(PY) manage.py makemigrations --check --dry-run

test: lint browser
	$(BIN)/pytest $(PYTEST_ARGS)

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Leaves the database (var/pgdata) alone; `make dbclean` deletes it.
clean:
	rm -rf var/broker var/outbox var/test_*

# Deletes the embedded PostgreSQL server's data, stopping the server first if it runs (SIGINT is
# its fast shutdown). The next command that loads the settings makes a fresh, empty one.
dbclean:
	@pid=$$(head -1 var/pgdata/postmaster.pid 2>/dev/null); \
	if [ -n "$$pid" ] && [ "$$(ps -p $$pid -o comm= 2>/dev/null)" = postgres ]; then \
	  kill -INT $$pid; while kill -0 $$pid 2>/dev/null; do sleep 0.2; done; fi
	rm -rf var/pgdata
