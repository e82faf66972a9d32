# The two commands of the README:  make demo   and   make test
# Each creates the virtual environment .venv on first use (Python >= 3.11 on PATH as python3).
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
RUN_OK  = $(VENV)/.installed-run
TEST_OK = $(VENV)/.installed-test
WEB_OK  = $(VENV)/.installed-web
STATIC  = viewer/web/static
THREE   = $(STATIC)/node_modules/three/package.json
# --no-compile: Python writes the bytecode of the modules a command imports when it first imports them, instead of
# pip compiling every installed file up front (halves a fresh `make demo`'s set-up, which needs no test tools).
PIP     = $(BIN)/python -m pip install --quiet --no-compile

.PHONY: demo test lint serve demo-data docs clean

$(RUN_OK): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) -e .
	touch $@

$(WEB_OK): $(RUN_OK)
	$(PIP) -e '.[viewer,web]'
	touch $@

$(TEST_OK): $(WEB_OK) $(THREE)
	$(PIP) -e '.[test,dev,batch,viewer,web]'
	touch $@

# three.js for the viewer page, from the npm registry at set-up (never a CDN at run time).
$(THREE): $(STATIC)/package.json $(STATIC)/package-lock.json
	npm ci --prefix $(STATIC) --no-audit --no-fund --loglevel=error
	touch $@

demo: $(RUN_OK)
	$(BIN)/twin demo --out twin-demo --overwrite

# The 3D viewer on the demo's runs (made first if missing): open http://127.0.0.1:8000/
serve: $(WEB_OK) $(THREE)
	test -d twin-demo/runs || $(BIN)/twin demo --out twin-demo
	$(BIN)/twin serve --runs twin-demo/runs

test: $(TEST_OK)
	$(BIN)/python -m pytest -n 2 --dist loadscope
	$(BIN)/ruff check .
	$(BIN)/lint-imports

lint: $(TEST_OK)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# Regenerate the embedded demo territory (committed in data/demo; a test checks they match).
demo-data: $(RUN_OK)
	$(BIN)/python -m twin.synthetic data/demo --overwrite

# The documentation site in site/ (open site/index.html; see CONTRIBUTING.md): the generated references first
# (docs/scenarios.md, docs/reference/*.md; tests check they are current), then the site with warnings as errors
# (API pages from the docstrings, the tutorials executed), then a check that no page loads from the internet.
DOCS_OK = $(VENV)/.installed-docs

$(DOCS_OK): $(RUN_OK)
	$(PIP) -e '.[docs]'
	touch $@

docs: $(DOCS_OK)
	$(BIN)/python -m twin.scenario.reference > docs/scenarios.md
	$(BIN)/python -m twin.reference docs/reference
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --clean
	$(BIN)/python docs/_ext/check_offline.py site

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache $(STATIC)/node_modules
