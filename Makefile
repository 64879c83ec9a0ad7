# Two commands, both idempotent, both fine on a fresh machine with Python and apt:
#   make demo   set up, then run the main job (writes out/)
#   make test   set up, then lint and run the whole test suite
# Set-up: a virtual environment in .venv with the project and its test tools,
# the system Graphviz `dot` binary, and PyTorch 2.13.0 as an optional reference
# for the tests (skip it with `make test TORCH=`; its tests then skip visibly).
# `make test` also installs Debian's Chromium (no browser is downloaded) for the
# explorer's browser tests, which skip visibly without it.

PYTHON ?= python3
VENV   ?= .venv
OUT    ?= out
TORCH  ?= torch==2.13.0
CHROMIUM ?= $(or $(CHAINGRAD_CHROMIUM),/usr/bin/chromium)
BIN    := $(VENV)/bin

.PHONY: demo test lint setup graphviz chromium torch clean

demo: setup graphviz
	$(BIN)/chaingrad demo --out $(OUT)

test: setup graphviz chromium torch lint
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff check chaingrad autograd nn tests demos
	$(BIN)/ruff format --check chaingrad autograd nn tests demos

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  echo "python3 -m venv failed; installing python3-venv with apt-get"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv && \
	  $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install -q --upgrade pip 2>&1 | grep -v "is ignored" || true
	$(BIN)/python -m pip install -q -e '.[test]' 2>&1 | grep -v "is ignored" || true
	$(BIN)/python -c "import chaingrad.autograd, chaingrad.nn, numpy, graphviz, tqdm, pytest, hypothesis"
	touch $@

graphviz:
	@command -v dot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Graphviz 'dot' not found: installing the graphviz package with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	  else \
	    echo "Graphviz 'dot' not found and cannot install it here (needs root and apt-get)."; \
	    echo "Install it yourself: 'sudo apt-get install graphviz' or 'brew install graphviz'."; \
	    echo "Drawings will then be written as DOT source only."; \
	  fi; }

chromium:
	@[ -x "$(CHROMIUM)" ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Chromium not found at $(CHROMIUM): installing the chromium package with apt-get (for the explorer's browser tests)"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	      echo "WARNING: chromium could not be installed; the explorer's browser tests will be skipped"; \
	  else \
	    echo "Chromium not found at $(CHROMIUM) and cannot install it here (needs root and apt-get)."; \
	    echo "Install it yourself ('sudo apt-get install chromium'), or set CHAINGRAD_CHROMIUM to a Chromium binary;"; \
	    echo "until then the explorer's browser tests are skipped."; \
	  fi; }

torch: setup
	@if [ -n "$(TORCH)" ] && ! $(BIN)/python -c "import torch" 2>/dev/null; then \
	  echo "Installing $(TORCH) as the reference for the comparison tests"; \
	  $(BIN)/python -m pip install -q "$(TORCH)" 2>&1 | grep -v "is ignored" || true; \
	  $(BIN)/python -c "import torch" 2>/dev/null || \
	    echo "WARNING: $(TORCH) could not be installed; the PyTorch comparison tests will be skipped"; \
	fi

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .ruff_cache .hypothesis
