# The README's commands. Each target creates .venv and installs what it needs.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test lint bench bench-quick soak clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(STAMP)

demo: $(STAMP)
	$(BIN)/statuscat demo

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest

# Every benchmark in sequence (about 35 minutes), then one results table;
# run_all.py --markdown FILE also writes it as Markdown (benchmarks/RESULTS.md).
bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

# The same harness with a much smaller plan (a few minutes): checks it, not the targets.
bench-quick: $(STAMP)
	$(BIN)/python benchmarks/run_all.py --quick

# The reliability suites' long forms (crash soak, notification outage, hostile
# targets, many processes; about 30 minutes); their report becomes a section
# of benchmarks/RESULTS.md.
soak: $(TEST_STAMP)
	$(BIN)/python benchmarks/run_all.py --soak --markdown benchmarks/RESULTS.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
