# Two commands do everything on a fresh machine with Python 3.11+ and make:
#   make serve   -> virtual environment, install, build the dataset, serve it on :8080 (PORT overrides)
#   make test    -> virtual environment with test extras, ruff, mypy, every test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8080
BUILD_DIR ?= build

.PHONY: serve build test lint bench fuzz install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(VENV)/.installed $(VENV)/.installed-test $@

install: $(VENV)/.installed

build: $(VENV)/.installed
	$(BIN)/sistercities build --build-dir $(BUILD_DIR)

serve: build
	$(BIN)/sistercities serve --build-dir $(BUILD_DIR) --port $(PORT)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check server tests bench fuzz
	$(BIN)/mypy

test: lint
	@# Debian chromium for the real-browser test (root/CI installs it; elsewhere that one test is skipped with the reason)
	-scripts/install-browser
	@# Debian wrk and nginx for the benchmark harness tests (likewise)
	-scripts/install-bench-tools
	@# Debian virtuoso-opensource for the server suite on Virtuoso (likewise; not root: those tests skip with the reason)
	-scripts/install-virtuoso
	$(BIN)/python -m pytest

# the property-based request tests with many more examples than `make test` runs (FUZZ_PROFILE=ci for the short run)
FUZZ_PROFILE ?= fuzz
# then a coverage-guided atheris run over the pure modules, FUZZ_SECONDS per target (figures: fuzz/results.md)
FUZZ_SECONDS ?= 60
fuzz: $(VENV)/.installed-test
	HYPOTHESIS_PROFILE=$(FUZZ_PROFILE) $(BIN)/python -m pytest tests/test_hostile_requests.py -q
	$(BIN)/python fuzz/atheris_targets.py --target all --seconds $(FUZZ_SECONDS)

bench: $(VENV)/.installed-bench
	scripts/install-bench-tools
	$(BIN)/python -m bench.run $(BENCH_ARGS)
	$(BIN)/python -m bench.reconcile $(RECONCILE_BENCH_ARGS)
	@# Debian virtuoso-opensource for the three-backend part (without it: --backends embedded,oxigraph)
	-scripts/install-virtuoso
	$(BIN)/python -m bench.backends $(BACKENDS_BENCH_ARGS)
	@# the cache tier: the nginx front and the shared cache against the Oxigraph server
	$(BIN)/python -m bench.cachetier $(CACHETIER_BENCH_ARGS)
	@# the application server: granian against gunicorn, and our guarantees under each
	$(BIN)/python -m bench.appservers $(APPSERVERS_BENCH_ARGS)

clean:
	rm -rf $(VENV) $(BUILD_DIR) .pytest_cache .mypy_cache .ruff_cache
