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

HOST ?= 127.0.0.1
PORT ?= 8080

.PHONY: install run emulator demo test lint fmt typecheck check bench soak fuzz contract-live clean attack

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

test: $(STAMP) ## the whole suite (unit, e2e over loopback, conformance, contract)
	$(RUN) pytest

lint: $(STAMP)
	$(RUN) ruff check scim_proxy devtools tests bench
	$(RUN) ruff format --check scim_proxy devtools tests bench

fmt: $(STAMP)
	$(RUN) ruff format scim_proxy devtools tests bench
	$(RUN) ruff check --fix scim_proxy devtools tests bench

typecheck: $(STAMP)
	$(RUN) mypy

check: lint typecheck test

contract-live: $(STAMP) ## the JumpCloud contract suite against a real test org (needs JUMPCLOUD_LIVE_API_KEY)
	@test -n "$$JUMPCLOUD_LIVE_API_KEY" || { echo "make contract-live needs JUMPCLOUD_LIVE_API_KEY: an admin key of a test org, never production (docs/jumpcloud-assumptions.md)" >&2; exit 2; }
	$(RUN) pytest tests/contract -m live -p no:randomly -v -rs

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache

fuzz: $(STAMP) ## at least 5,000 generated and mutated SCIM requests (FUZZ_EXAMPLES to change)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-5000} FUZZ_REPORT=.fuzz-report $(RUN) pytest tests/fuzz -q -p no:randomly
	@cat .fuzz-report && rm -f .fuzz-report

soak: $(STAMP) ## chaos soak: 2,000 users through 10 % injected JumpCloud faults (SOAK_USERS to change)
	$(RUN) python -m tests.soak.harness --users $${SOAK_USERS:-2000}

bench: $(STAMP) ## side-by-side benchmark (proxy, direct, httpx and aiohttp forwarders): bench-results/bench.{json,md}
	$(RUN) python -m bench.run $(BENCH_ARGS)

attack: $(STAMP) ## issue 11's attacks against a fresh proxy + emulator on loopback: a table of answers and probe latency
	$(RUN) python -m devtools.attack $(ATTACK_ARGS)
