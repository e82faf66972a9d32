# The two commands of the README:  make demo   and   make test
# Each creates the virtual environment .venv on first use (Python >= 3.11 on PATH as python3).
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
RUN_OK  = $(VENV)/.installed-run
TEST_OK = $(VENV)/.installed-test
# --no-compile: Python writes the bytecode of the modules a command imports when it first imports them, instead of
# pip compiling every installed file up front (halves a fresh `make demo`'s set-up, which needs no test tools).
PIP     = $(BIN)/python -m pip install --quiet --no-compile

.PHONY: demo test lint demo-data docs clean

$(RUN_OK): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -e .
	touch $@

$(TEST_OK): $(RUN_OK)
	$(PIP) -e '.[test,dev,batch]'
	touch $@

demo: $(RUN_OK)
	$(BIN)/twin demo --out twin-demo --overwrite

test: $(TEST_OK)
	$(BIN)/python -m pytest
	$(BIN)/ruff check .

lint: $(TEST_OK)
	$(BIN)/ruff check .

# Regenerate the embedded demo territory (committed in data/demo; a test checks they match).
demo-data: $(RUN_OK)
	$(BIN)/python -m twin.synthetic data/demo --overwrite

# Regenerate docs/scenarios.md from the scenario models (a test checks it is current).
docs: $(RUN_OK)
	$(BIN)/python -m twin.scenario.reference > docs/scenarios.md

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
