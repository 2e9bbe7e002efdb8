# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: run test test-fast index eval fit lint clean bench loadtest loadtest-cluster audit

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

# The quick loop while developing: everything but the browser and the slow tests (a refit, the
# benchmark, exports, fuzzing, a fresh install); `make test` still runs them all.
test-fast: index
	$(PY) -m pytest -q -n 2 -m "not slow and not browser"

eval: index
	$(VENV)/bin/ecs-tutor dev eval

# Refit the fitted models, items held out, and draw their curves (data/models/README.md): the
# claim checker's model (side.json, docs/risk_coverage.png), ask's answer model (answer.json,
# docs/answerability.png), then the trust model, which reads claims through the first
# (trust.json, docs/trust.png).
fit: index
	$(PY) -m pip install --quiet -e '.[bench]'
	$(VENV)/bin/ecs-tutor dev fit --plot docs/risk_coverage.png
	$(PY) -m tutor.dev.fit_answer --plot docs/answerability.png
	$(PY) -m tutor.dev.fit_trust --plot docs/trust.png

# Latency, ingest, memory and scale (1x, 10x, 100x) beside the naive baseline: prints a table,
# writes docs/bench.json and docs/bench.png. BENCH_ARGS=--full adds the 1000x guide (slow).
bench: index
	$(PY) -m pip install --quiet -e '.[bench]'
	$(VENV)/bin/ecs-tutor dev bench --plot docs/bench.png $(BENCH_ARGS)

# 50 concurrent clients for three rounds of 60 s against the app on 127.0.0.1, memory after each
# round (figures in docs/loadtest.json).
loadtest: index
	$(PY) loadtest/run.py --clients 50 --seconds 60 --rounds 3 --out docs/loadtest.json

# Two replicas behind HAProxy on a PostgreSQL database (TEST_POSTGRES_URL, as .ci/run sets it):
# 100 signed-in learners reviewing for 60 s, one replica killed half-way (docs/loadtest-cluster.json).
loadtest-cluster: index
	$(PY) loadtest/cluster.py --learners 100 --seconds 60 --out docs/loadtest-cluster.json

# Known vulnerabilities in the installed packages (docs/audit.md). tools/audit.py first makes sure
# pip-audit's service really answers (it must report the advisories of jinja2 2.10); only then does
# it audit every package of `pip freeze`, strictly: exit 1 on a known vulnerability or on a package
# the service could not look up. With no vulnerability data reachable (this machine reaches package
# registries only, and none ships that data) it prints "NOT AUDITED: ..." and exits 3; make itself
# can only exit 2, so the audit's own code is left in .venv/audit.rc for .ci/run.
# AUDIT_ARGS="--ignore-vuln ID" or "--osv-url URL" (an OSV mirror) pass through.
audit: $(STAMP)
	$(PY) -m pip install --quiet -e '.[audit]'
	$(PY) -m pip freeze --exclude-editable > $(VENV)/requirements.lock
	@rm -f $(VENV)/audit.rc; rc=0; \
	$(PY) tools/audit.py --requirements $(VENV)/requirements.lock $(AUDIT_ARGS) || rc=$$?; \
	echo $$rc > $(VENV)/audit.rc; exit $$rc

# Style and types: ruff, then mypy on the project's own code (settings in pyproject.toml).
lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .
	$(PY) -m mypy

clean:
	rm -rf $(VENV) .cache
