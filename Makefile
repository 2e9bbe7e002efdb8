# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: run test index eval fit lint clean bench loadtest audit

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# torch first, pinned, so nothing later can pull a CUDA build.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

index: $(STAMP)
	$(VENV)/bin/ecs-tutor ingest

run: index
	$(VENV)/bin/ecs-tutor serve

test: index
	$(PY) -m pytest

eval: index
	$(VENV)/bin/ecs-tutor eval

# Refit the claim checker's model on data/train (items held out) and draw its risk-coverage
# curves: writes data/models/side.json and docs/risk_coverage.png (data/models/README.md).
fit: index
	$(PY) -m pip install --quiet -e '.[bench]'
	$(VENV)/bin/ecs-tutor fit --plot docs/risk_coverage.png

# Latency, ingest, memory and scale (1x, 10x, 100x) beside the naive baseline: prints a table,
# writes docs/bench.json and docs/bench.png. BENCH_ARGS=--full adds the 1000x guide (slow).
bench: index
	$(PY) -m pip install --quiet -e '.[bench]'
	$(VENV)/bin/ecs-tutor bench --plot docs/bench.png $(BENCH_ARGS)

# 50 concurrent clients for three rounds of 60 s against the app on 127.0.0.1, memory after each
# round (figures in docs/loadtest.json).
loadtest: index
	$(PY) loadtest/run.py --clients 50 --seconds 60 --rounds 3 --out docs/loadtest.json

# Known vulnerabilities in the installed packages: fails when one is found. A package the service
# cannot look up (an offline mirror has no vulnerability data) is listed as "not audited" and does
# not fail the run; AUDIT_ARGS=--strict makes it fail too. CI runs this after the tests.
audit: $(STAMP)
	$(PY) -m pip install --quiet pip-audit
	$(PY) -m pip freeze --exclude-editable > $(VENV)/requirements.lock
	$(VENV)/bin/pip-audit --no-deps --progress-spinner off $(AUDIT_ARGS) -r $(VENV)/requirements.lock

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) .cache
