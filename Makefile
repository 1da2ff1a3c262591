# Two commands on a fresh machine: `make demo` and `make test`. Each creates .venv on first use.
# `make test-torch` (run by CI) cross-checks gradients with PyTorch in its own .venv-torch.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TORCH_VENV := .venv-torch
TORCH_BIN := $(TORCH_VENV)/bin

.PHONY: demo test test-torch lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall when the project's metadata changes.
$(VENV)/.installed-demo: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[plot]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed-demo
	$(BIN)/autograd-scalar demo

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

# PyTorch is never a dependency of the project, so it gets a virtual environment of its
# own. Exactly torch==2.13.0: the CPU build that pip finds on this machine's disk (a plain
# `torch` would pull a multi-GB CUDA build). AUTOGRAD_SCALAR_REQUIRE_TORCH=1 turns the
# test file's skip-when-torch-is-missing into a failure, so here it can never skip.
$(TORCH_BIN)/python:
	$(PYTHON) -m venv $(TORCH_VENV)

$(TORCH_VENV)/.installed-torch: pyproject.toml | $(TORCH_BIN)/python
	$(TORCH_BIN)/python -m pip install --quiet -e '.[test]' torch==2.13.0
	touch $@

test-torch: $(TORCH_VENV)/.installed-torch
	AUTOGRAD_SCALAR_REQUIRE_TORCH=1 $(TORCH_BIN)/python -m pytest -ra tests/test_torch_crosscheck.py

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check autograd_scalar tests examples benchmarks
	$(BIN)/mypy

bench: $(VENV)/.installed-demo
	$(BIN)/python -m pip install --quiet micrograd==0.1.0
	$(BIN)/python benchmarks/engine.py
	$(BIN)/python benchmarks/moons_step.py

clean:
	rm -rf $(VENV) $(TORCH_VENV) build *.egg-info .pytest_cache .hypothesis
