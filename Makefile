# Two entry points (see README.md):
#   make run    set up the environment and run the experiment on the default config
#   make test   set up the environment and run the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
EXTRAS := train,quality-tf,test,bench,slurm,dev
SNAKEMAKE_ARGS ?=

.PHONY: run test setup system-packages lint dag report clean-results

$(BIN)/colourfr: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch is pinned by constraints.txt (2.13.0: a local CPU wheel on the project's machines;
	# elsewhere add --extra-index-url https://download.pytorch.org/whl/cpu for a CPU-only build).
	$(BIN)/pip install --quiet --constraint constraints.txt --editable '.[$(EXTRAS)]'
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

test: setup
	$(BIN)/pytest -q

lint: setup
	$(BIN)/snakemake --lint
	$(BIN)/ruff check src tests workflow bench
	$(BIN)/mypy src/colourfr

dag: setup
	$(BIN)/snakemake dag_figure $(SNAKEMAKE_ARGS)

report: setup
	$(BIN)/snakemake --report report.html $(SNAKEMAKE_ARGS)
