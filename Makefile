# Two entry points (see README.md):
#   make run    set up the environment and run the experiment on the default config
#   make test   set up the environment and run the test suite
# The environment is installed from the lock (requirements/lock.txt, see docs/environment.md):
#   make lock         regenerate the lock from pyproject.toml (uv)
#   make test-latest  the drift canary: newest versions pyproject.toml allows, fast suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements/lock.txt
SNAKEMAKE_ARGS ?=
PYTEST_ARGS ?=
# Test tiers (tests/conftest.py marks them): unit, workflow (starts Snakemake), faults
# (kills processes mid-write). Workers of pytest-xdist; 0 runs them in this process.
# Work stealing: a worker that runs out of tests takes the queue's tail from the other,
# so neither idles while one long test runs (xdist's default hands out fixed batches).
PYTEST_WORKERS ?= 2
PYTEST_DIST := $(if $(filter 0,$(PYTEST_WORKERS)),,--dist worksteal)
UNIT_TIER := not workflow and not faults and not slow and not slurm and not network
LATEST_VENV ?= .venv-latest
EXTRAS := train,quality-tf,test,bench,slurm,dev

.PHONY: run test test-unit setup system-packages lint format dag report clean-results lock \
	test-latest setup-gpu check-lock

check-lock:
	@$(PYTHON) tools/lock.py check

# The venv is rebuilt from scratch whenever the lock changes, so it holds exactly the lock.
# torch (constraints.txt) is installed in its own call: the CPU wheel is not on PyPI, so the
# hashed lock cannot name it (docs/environment.md).
$(BIN)/colourfr: pyproject.toml $(LOCK) constraints.txt requirements/bootstrap.in
	@$(PYTHON) tools/lock.py check
	$(PYTHON) -m venv --clear $(VENV)
	$(BIN)/pip install --quiet --require-hashes --no-deps --requirement $(LOCK)
	$(BIN)/pip install --quiet --no-deps --constraint constraints.txt torch
	$(BIN)/pip install --quiet --no-deps --no-build-isolation --editable .
	$(BIN)/pip check
	touch $@

system-packages:
	@if ! command -v convert >/dev/null || ! command -v dot >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq imagemagick graphviz; \
	  else \
	    echo "Please install ImageMagick and Graphviz (e.g. sudo apt-get install imagemagick graphviz)"; \
	  fi; \
	fi

setup: system-packages $(BIN)/colourfr

run: setup
	$(BIN)/snakemake --cores all --resources gpu=1 $(SNAKEMAKE_ARGS)

# Every tier (tests/conftest.py orders them so that the workers rarely wait).
test: setup
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) $(PYTEST_DIST) --durations=10 $(PYTEST_ARGS)

# The unit tier alone: no Snakemake, no whole experiment (a few minutes).
test-unit: setup
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) -m "$(UNIT_TIER)" --durations=10 $(PYTEST_ARGS)

# The GPU variant (CUDA torch from PyPI, onnxruntime-gpu); see docs/environment.md.
setup-gpu:
	@$(PYTHON) tools/lock.py check
	$(PYTHON) -m venv --clear .venv-gpu
	.venv-gpu/bin/pip install --quiet --require-hashes --no-deps --requirement requirements/lock-gpu.txt
	.venv-gpu/bin/pip install --quiet --no-deps --no-build-isolation --editable .

# Regenerate requirements/lock.txt, lock-gpu.txt and pins.txt with uv (requirements/tools.txt).
lock:
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet --require-hashes --requirement requirements/tools.txt
	PATH="$(CURDIR)/.venv-lock/bin:$$PATH" $(PYTHON) tools/lock.py compile

# Drift canary: a throwaway environment with the newest releases pyproject.toml allows (torch
# stays pinned), then the fast suite. Refreshing the lock = make test-latest, fix, make lock.
test-latest: system-packages
	$(PYTHON) -m venv --clear $(LATEST_VENV)
	$(LATEST_VENV)/bin/pip install --quiet --upgrade pip
	$(LATEST_VENV)/bin/pip install --quiet --upgrade --upgrade-strategy eager \
	  --constraint constraints.txt --editable '.[$(EXTRAS)]'
	$(LATEST_VENV)/bin/pip freeze --all --exclude-editable > $(LATEST_VENV)/freeze.txt
	$(LATEST_VENV)/bin/python tools/lock.py diff $(LATEST_VENV)/freeze.txt || true
	COLOURFR_LOCK_DRIFT_OK=1 $(LATEST_VENV)/bin/pytest -q -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Style and static checks (CI runs this): Snakemake's linter, ruff, formatting of the
# Python (ruff format) and of the Snakefiles (snakefmt; its shfmt lives in .venv/bin), mypy.
PY_SOURCES := src tests workflow bench tools examples
lint: setup
	$(BIN)/snakemake --lint
	$(BIN)/ruff check $(PY_SOURCES)
	$(BIN)/ruff format --check $(PY_SOURCES)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/snakefmt --check Snakefile rules
	$(BIN)/mypy src/colourfr

format: setup
	$(BIN)/ruff check --fix $(PY_SOURCES)
	$(BIN)/ruff format $(PY_SOURCES)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/snakefmt Snakefile rules

dag: setup
	$(BIN)/snakemake dag_figure $(SNAKEMAKE_ARGS)

report: setup
	$(BIN)/snakemake --report report.html $(SNAKEMAKE_ARGS)
