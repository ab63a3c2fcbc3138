# Every target installs what it needs: a fresh clone needs only python3 (>= 3.11).
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
STAMP := $(VENV)/.installed
RUN := $(UV) run --locked --no-sync
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

# The bench's canned JumpCloud: Debian's nginx package unpacked here (no service, nothing system-wide).
NGINX := $(TOOLS)/nginx/usr/sbin/nginx
# The bench times start-up on an install like the image's: runtime dependencies only, the package as a
# wheel, bytecode compiled (deploy/Dockerfile: UV_COMPILE_BYTECODE=1). Rebuilt by every `make bench`.
PROD_VENV := $(TOOLS)/prod-venv
BENCH_OUT ?= bench-results/latest

HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: install run emulator demo test lint fmt typecheck check bench bench-upstream bench-prod-venv soak fuzz contract-live clean promtool rules rules-test attack

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(STAMP): $(UV) pyproject.toml uv.lock
	$(UV) sync --locked --python $(PYTHON)
	@touch $(STAMP)

install: $(STAMP) ## virtualenv with the locked dependencies

run: $(STAMP) ## the proxy on $(HOST):$(PORT) in front of JumpCloud (or SCIM_PROXY_JUMPCLOUD_URL)
	$(RUN) scim-proxy serve --host $(HOST) --port $(PORT)

emulator: $(STAMP) ## the in-memory JumpCloud emulator on 127.0.0.1:8090
	$(RUN) python -m devtools.emulator --host 127.0.0.1 --port 8090

demo: $(STAMP) ## emulator + proxy on loopback, an Entra-like cycle, a summary
	$(RUN) python -m devtools.demo

test: $(STAMP) promtool ## the whole suite (a tiny bench, alert rules via promtool) in random order (pytest-randomly; a failure prints the seed); PYTEST_ARGS to add options
	@$(MAKE) --no-print-directory bench-upstream || echo "make test: no nginx, so the bench smoke test runs on the emulator only" >&2
	$(RUN) pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(RUN) ruff check scim_proxy devtools tests bench deploy
	$(RUN) ruff format --check scim_proxy devtools tests bench deploy
	$(RUN) lint-imports

fmt: $(STAMP)
	$(RUN) ruff format scim_proxy devtools tests bench deploy
	$(RUN) ruff check --fix scim_proxy devtools tests bench deploy

typecheck: $(STAMP)
	$(RUN) mypy
	$(RUN) mypy deploy/prometheus/make_prometheusrule.py

check: lint typecheck test

contract-live: $(STAMP) ## the JumpCloud contract suite against a real test org (needs JUMPCLOUD_LIVE_API_KEY); writes contract-report.{json,md}
	@test -n "$$JUMPCLOUD_LIVE_API_KEY" || { echo "make contract-live needs JUMPCLOUD_LIVE_API_KEY: an admin key of a test org, never production (docs/jumpcloud-assumptions.md)" >&2; exit 2; }
	JUMPCLOUD_CONTRACT_REPORT_DIR=$${JUMPCLOUD_CONTRACT_REPORT_DIR:-.} $(RUN) pytest tests/contract -m live -p no:randomly -p no:cacheprovider -v -rs

promtool: ## promtool into .tools/bin from Debian's prometheus package (a message, not a failure, without apt)
	@sh deploy/prometheus/install-promtool.sh

rules: $(STAMP) ## regenerate the PrometheusRule manifest from deploy/prometheus/scim-proxy.rules.yml
	$(RUN) python deploy/prometheus/make_prometheusrule.py

rules-test: $(STAMP) ## promtool checks and unit-tests the alert rules; the PrometheusRule is up to date
	@sh deploy/prometheus/install-promtool.sh --require
	@promtool=$$(test -x $(TOOLS)/bin/promtool && echo $(TOOLS)/bin/promtool || command -v promtool); \
	set -x; $$promtool check rules deploy/prometheus/scim-proxy.rules.yml && \
	$$promtool test rules deploy/prometheus/tests/*.test.yml
	$(RUN) python deploy/prometheus/make_prometheusrule.py --check

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache

fuzz: $(STAMP) ## at least 5,000 generated and mutated SCIM requests (FUZZ_EXAMPLES to change)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-5000} FUZZ_REPORT=.fuzz-report $(RUN) pytest tests/fuzz -q -p no:randomly
	@cat .fuzz-report && rm -f .fuzz-report

soak: $(STAMP) ## chaos soak: 2,000 users through 10 % injected JumpCloud faults (SOAK_USERS to change)
	$(RUN) python -m tests.soak.harness --users $${SOAK_USERS:-2000}

$(NGINX):
	@mkdir -p $(TOOLS)/nginx/deb
	cd $(TOOLS)/nginx/deb && { apt-get download nginx || { apt-get update -qq && apt-get download nginx; }; }
	dpkg-deb -x "$$(ls $(TOOLS)/nginx/deb/nginx_*.deb | head -n 1)" $(TOOLS)/nginx
	@rm -rf $(TOOLS)/nginx/deb

bench-upstream: $(NGINX) ## nginx for the bench's canned JumpCloud (apt-get download + dpkg-deb -x into .tools)

bench-prod-venv: $(UV) ## the image's install (no dev packages, a wheel, compiled bytecode) in .tools, for start-up timing
	UV_PROJECT_ENVIRONMENT=$(PROD_VENV) $(UV) sync --locked --no-dev --no-editable --compile-bytecode --quiet

bench: $(STAMP) ## issue 17's targets with verdicts, canned (nginx) and emulator upstreams: $(BENCH_OUT)/bench.{json,md}
	@$(MAKE) --no-print-directory bench-upstream || echo "make bench: no nginx; the canned mode is skipped" >&2
	@$(MAKE) --no-print-directory bench-prod-venv || echo "make bench: no image-like install; start-up is timed on .venv" >&2
	$(RUN) python -m bench.run --out $(BENCH_OUT) $(BENCH_ARGS)

attack: $(STAMP) ## issue 11's attacks against a fresh proxy + emulator on loopback: a table of answers and probe latency
	$(RUN) python -m devtools.attack $(ATTACK_ARGS)
