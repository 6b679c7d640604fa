# The two set-up commands of the README: `make run` and `make test`.
# Each creates .venv itself; nothing else needs installing by hand.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench install clean

run: $(STAMP)
	$(BIN)/newsweave run

# The browser test drives Debian's Chromium (Playwright's own browser download does not work here).
test: $(STAMP)
	command -v chromium >/dev/null 2>&1 || { $$(test "$$(id -u)" -eq 0 || echo sudo) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$(test "$$(id -u)" -eq 0 || echo sudo) apt-get install -y -qq chromium; }
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	$(BIN)/python -c 'from newsweave.stages.cluster import compile_ahead; compile_ahead()'
	touch $@

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
