# Linewise — the two commands are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
UI_STAMP := src/linewise/web/dist/index.html
PYTEST_ARGS ?=

.PHONY: demo test install ui lint typecheck pytest serve clean bench

# setup.py builds the compiled dispatcher (optional: skipped without a C++ compiler).
$(STAMP): requirements.lock pyproject.toml setup.py src/linewise/scheduling/_dispatch_kernel.cpp
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# The UI is built into the Python package so that one process serves everything.
$(UI_STAMP): $(shell find ui/src ui/index.html ui/package.json ui/package-lock.json ui/vite.config.ts -type f 2>/dev/null)
	cd ui && npm ci --no-audit --no-fund --loglevel=error && npm run build

ui: $(UI_STAMP)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) $(UI_STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

demo: $(STAMP) $(UI_STAMP)
	$(BIN)/linewise demo --serve

serve: $(STAMP) $(UI_STAMP)
	$(BIN)/linewise serve

bench: $(STAMP)
	$(BIN)/python bench/jssp.py --quick

clean:
	rm -rf $(VENV) ui/node_modules src/linewise/web/dist var
