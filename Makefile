# TesterArmy Python SDK: entry points. `make help` lists them.
# Every target that needs Python tooling creates .venv on demand, so any of
# them works as the first command on a fresh clone (python3 + make + PyPI).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed
SPEC   ?=

.DEFAULT_GOAL := help
.PHONY: help install generate check-generated lint format typecheck test unit integration contract \
        ci demo sim bench update-spec spec-diff dist clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-16s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(STAMP) ## Create .venv and install the project with dev extras

generate: $(STAMP) ## Normalize openapi.yaml and regenerate generated/ (atomic)
	$(PY) -m codegen generate

check-generated: $(STAMP) ## Fail if generated/ differs from what `make generate` would write
	$(PY) -m codegen check

spec-diff: $(STAMP) ## Change report: spec of generated/ vs openapi.yaml (OLD=, NEW=, RULES= to override)
	$(PY) -m codegen diff $(if $(OLD),--old $(OLD)) $(if $(NEW),--new $(NEW)) $(if $(RULES),--rules $(RULES))

update-spec: $(STAMP) ## Fetch SPEC=<url-or-path> [SOURCE_URL= CAPTURED=], validate, replace openapi.yaml + lock
	@test -n "$(SPEC)" || { echo "usage: make update-spec SPEC=<url-or-path>" >&2; exit 2; }
	$(PY) -m codegen update-spec "$(SPEC)" $(if $(SOURCE_URL),--source-url "$(SOURCE_URL)") $(if $(CAPTURED),--captured $(CAPTURED)) $(if $(RULES),--rules $(RULES))

lint: $(STAMP) ## ruff check + ruff format --check + actionlint on .github/workflows
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/actionlint

format: $(STAMP) ## Apply ruff fixes and formatting to hand-written code
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(STAMP) ## mypy --strict on the installed packages (as users' mypy sees them), codegen/, bench/
	$(BIN)/mypy -p testerarmy -p testerarmy_api -p testerarmy_pydantic
	$(BIN)/mypy codegen bench

unit: $(STAMP) ## Unit tests only
	$(BIN)/pytest tests/unit

integration: $(STAMP) ## Integration tests: real HTTP against the simulator, codegen end to end, the built wheel
	$(BIN)/pytest tests/integration

contract: $(STAMP) ## Contract tests: generated code, client traffic and simulator vs the spec
	@# The integration tests are where the client's traffic is validated against the spec, so they
	@# run in the same session: the traffic counts below are this run's, not a remembered one.
	$(BIN)/pytest tests/contract tests/integration

.PHONY: resilience
resilience: $(STAMP) ## Fault matrix, load, bad input, secret hygiene (docs/reliability.md)
	$(BIN)/pytest tests/resilience tests/security -p no:randomly

test: check-generated lint typecheck ## The full gate: drift, lint, types, then every test
	$(BIN)/pytest

ci: test ## What CI runs

demo: $(STAMP) ## Start the local simulator, submit a run, wait with progress, print the result
	$(PY) -m testerarmy.testing.demo

sim: $(STAMP) ## Run the local simulator in the foreground
	$(BIN)/testerarmy-sim

bench: $(STAMP) ## Benchmarks (not part of `make test`); writes bench/results/*.json
	$(PY) -m bench

dist: $(STAMP) ## Build sdist + wheel into dist/ and check them (twine check --strict)
	rm -rf dist
	$(PY) -m build --outdir dist .
	$(BIN)/twine check --strict dist/*

clean: ## Remove the venv and caches
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis codegen/.work build dist
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
