# The two contract commands: `make demo` and `make test`. Each sets up .venv on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup setup-vtl demo test test-vtl lint bench clean

$(STAMP): requirements.lock pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first and pinned: an unpinned torch would pull the multi-GB CUDA build
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

# Talker B (VocalTractLab, GPL-3): a separate package that artimap finds but never imports
VTL_STAMP := $(VENV)/.installed-vtl
$(VTL_STAMP): $(STAMP) extras/artimap-vtl/pyproject.toml
	$(BIN)/pip install --quiet -e extras/artimap-vtl
	touch $(VTL_STAMP)

setup-vtl: $(VTL_STAMP)

demo: $(STAMP)
	$(BIN)/artimap demo --out demo_out

test: $(STAMP)
	$(BIN)/ruff check artimap tests
	$(BIN)/pytest

test-vtl: $(VTL_STAMP)
	$(BIN)/ruff check extras/artimap-vtl
	$(BIN)/pytest extras/artimap-vtl/tests

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/artimap bench synth

clean:
	rm -rf $(VENV) demo_out .pytest_cache
