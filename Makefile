# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip

.PHONY: run test test-tools lint install install-test migrate bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PIP) install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

migrate: install
	$(PY) manage.py migrate --noinput

# Install, migrate, make a demo mailbox if there is none, and run everything.
run: migrate
	$(PY) manage.py demo
	$(PY) manage.py serve

# Every test. Without DATABASE_URL they run on SQLite; .ci/run points them at Postgres.
test: install-test test-tools
	$(PY) -m pytest $(PYTEST_ARGS)

# The real clients the integration tests drive (Debian packages): fetchmail for POP3,
# isync (mbsync) for IMAP, chromium for the browser tests (through Playwright, which
# cannot download its own browser here). Installed when missing and we are root;
# otherwise the tests that need them are skipped.
test-tools:
	@if command -v fetchmail >/dev/null && command -v mbsync >/dev/null \
		&& [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update && apt-get install -y fetchmail isync chromium; \
	else \
		echo "fetchmail/mbsync/chromium missing and not root: their tests will be skipped"; \
	fi

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy mailcore

bench: install-test
	$(PY) bench/store.py

clean:
	rm -rf $(VENV) .pytest_cache
