# The two commands operators run: `make demo` and `make test`. Everything installs from
# pyproject.toml and uv.lock into .venv (uv itself is bootstrapped into .tools).

UV_VERSION := 0.13.8
PYTHON ?= $(shell for p in python3.13 python3.12 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; done)
UV := .tools/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
# `make demo DEMO_PORT=8001` when 8000 is taken.
DEMO_PORT ?= 8000
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: demo test install install-dev python-check lint typecheck check migrations-check serve clean bench

python-check:
	@if [ -z "$(PYTHON)" ]; then \
		echo "error: Python 3.12 or newer is needed (Django 6.1). Found: $$(python3 --version 2>&1)."; \
		echo "Install Python 3.12+ (pyenv reads .python-version) or run: make PYTHON=/path/to/python3.12 ..."; \
		exit 1; fi

$(UV): | python-check
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

install: $(UV)
	$(UV) sync --frozen --no-dev --python $(PYTHON)

install-dev: $(UV)
	$(UV) sync --frozen --python $(PYTHON)

# The seed and the server both link to the port the demo serves on (mail, printed logins).
DEMO_ENV := DEBUG=true SITE_URL=http://127.0.0.1:$(DEMO_PORT)
demo: install
	@$(DEMO_ENV) $(PY) manage.py migrate --noinput -v 0
	@$(DEMO_ENV) $(PY) manage.py seed_demo
	@echo "Serving on http://127.0.0.1:$(DEMO_PORT)/ (admin at http://127.0.0.1:$(DEMO_PORT)/admin/)"
	$(DEMO_ENV) $(PY) manage.py runserver 127.0.0.1:$(DEMO_PORT)

# With DATABASE_URL set the suite runs on that database (PostgreSQL); otherwise on SQLite.
# Two workers by default (pytest-xdist); TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2
test: install-dev
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

typecheck: install-dev
	CRM_INSECURE_DEV_DEFAULTS=true $(VENV)/bin/mypy .

migrations-check: install-dev
	CRM_INSECURE_DEV_DEFAULTS=true $(PY) manage.py check
	CRM_INSECURE_DEV_DEFAULTS=true $(PY) manage.py makemigrations --check --dry-run

check: lint typecheck migrations-check test

# The benchmark (docs/performance.md): seeds its own PostgreSQL database, measures, reports.
# make bench BENCH_ARGS="--scale 0.02 --reset"
# make bench BENCH_ARGS="--scales 0.1,1,10 --only api"   (the staff lists' growth table)
bench: install-dev
	$(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf .venv .tools staticfiles
