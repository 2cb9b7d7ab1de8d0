# Two commands do the set-up on a fresh machine: `make up` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SERVICES := $(patsubst %/pyproject.toml,%,$(wildcard services/*/pyproject.toml))
PACKAGES := shared $(SERVICES) cli
SOURCES := $(wildcard shared/pyproject.toml services/*/pyproject.toml cli/pyproject.toml) requirements-dev.txt

.PHONY: install up test lint bench bench-tools clean

$(STAMP): $(SOURCES)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check $(addprefix -e ,$(PACKAGES)) -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

up: install
	$(BIN)/crm up

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared/src $(addsuffix /src,$(SERVICES)) cli/src
	$(BIN)/lint-imports

bench: install bench-tools
	$(BIN)/python -m bench.run_all

# The HTTP benchmarks drive the gateway with wrk; Debian and Ubuntu package it.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
bench-tools:
	@command -v wrk >/dev/null || { command -v apt-get >/dev/null && $(SUDO) apt-get install -y -q wrk; } \
		|| { echo "the HTTP benchmarks need wrk (https://github.com/wg/wrk): install it and run make bench again"; exit 1; }

clean:
	rm -rf $(VENV) var
