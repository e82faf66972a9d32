# The two commands of the README:  make demo   and   make test
# Each creates the virtual environment .venv on first use (Python >= 3.11 on PATH as python3).
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: demo test lint demo-data docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/twin demo --out twin-demo --overwrite

test: $(STAMP)
	$(BIN)/python -m pytest
	$(BIN)/ruff check .

lint: $(STAMP)
	$(BIN)/ruff check .

# Regenerate the embedded demo territory (committed in data/demo; a test checks they match).
demo-data: $(STAMP)
	$(BIN)/python -m twin.synthetic data/demo --overwrite

# Regenerate docs/scenarios.md from the scenario models (a test checks it is current).
docs: $(STAMP)
	$(BIN)/python -m twin.scenario.reference > docs/scenarios.md

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
