# Two commands on a fresh machine: `make demo` and `make test`. Each creates .venv on first use.
# `make test-torch` (run by CI) cross-checks gradients with PyTorch in its own .venv-torch.
# `make wheel-check` (run by CI) builds the sdist and the wheel and tries them as users would,
# in throwaway environments under build/wheel-check (see .ci/wheel_check.py).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TORCH_VENV := .venv-torch
TORCH_BIN := $(TORCH_VENV)/bin
WHEEL_CHECK_DIR := build/wheel-check
WHEEL_TOOLS := $(WHEEL_CHECK_DIR)/tools
WHEEL_TOOLS_REQUIREMENTS := 'build>=1.2' 'twine>=6.1' 'trove-classifiers>=2024.1'

.PHONY: demo test test-torch wheel-check lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall when the project's metadata changes.
$(VENV)/.installed-demo: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[plot]'
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,plot,fast,docs]'
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

# The packaging as users meet it: sdist, the wheel built from it, twine check, and the wheel
# installed (not editable) into fresh venvs and run from a temporary folder. The tools venv
# (build, twine; twine>=6.1 reads the metadata 2.4 of an SPDX license) is kept between runs;
# the venvs the wheel goes into are made anew each time.
$(WHEEL_TOOLS)/bin/python:
	$(PYTHON) -m venv $(WHEEL_TOOLS)

$(WHEEL_TOOLS)/.installed: Makefile | $(WHEEL_TOOLS)/bin/python
	$(WHEEL_TOOLS)/bin/python -m pip install --quiet $(WHEEL_TOOLS_REQUIREMENTS)
	touch $@

wheel-check: $(WHEEL_TOOLS)/.installed
	$(WHEEL_TOOLS)/bin/python .ci/wheel_check.py --work $(WHEEL_CHECK_DIR) --python $(PYTHON)

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check autograd_scalar tests examples benchmarks
	$(BIN)/mypy

bench: $(VENV)/.installed-demo
	$(BIN)/python -m pip install --quiet micrograd==0.1.0 -e '.[plot,fast]'
	$(BIN)/python benchmarks/engine.py
	$(BIN)/python benchmarks/moons_step.py
	$(BIN)/python benchmarks/digits_epoch.py
	$(BIN)/python benchmarks/batch_scaling.py

# The documentation site (mkdocs.yml, docs/): every tutorial notebook of examples/notebooks
# runs from a clean kernel, then MkDocs builds site/ with --strict, so a broken link or a
# missing reference fails the build. The notebooks draw with matplotlib: hence [plot].
.PHONY: docs docs-serve

$(VENV)/.installed-docs: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[docs,plot]'
	touch $@

docs: $(VENV)/.installed-docs
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# http://127.0.0.1:8000, rebuilt (notebooks included) whenever docs/, the notebooks or the code change.
docs-serve: $(VENV)/.installed-docs
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve

clean:
	rm -rf $(VENV) $(TORCH_VENV) build $(WHEEL_CHECK_DIR) dist *.egg-info .pytest_cache .hypothesis site
