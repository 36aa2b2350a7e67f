# ecomlake: every workflow is a make target; CI (.ci/run) and Jenkins call these, nothing else.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3.11
UV_VERSION := 0.13.9
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := .venv
UV_BOOT := $(CURDIR)/.tools/bin/uv
UV := $(shell command -v uv 2>/dev/null || echo $(UV_BOOT))
VENV := .venv
BIN := $(VENV)/bin
JARS := jvm/lib
JVM_RUNTIMES := kafka flink spark jmx s3
PY_RUNTIMES := flink spark dbt airflow
# PyFlink brings its own logging backend: keep the connectors' slf4j API out of its classpath.
MVN_ARGS_flink := -DexcludeArtifactIds=slf4j-api,commons-logging
# PySpark ships Spark, Scala, Hadoop client and logging: only the connectors are fetched.
MVN_ARGS_spark := -DexcludeArtifactIds=hadoop-client-api,hadoop-client-runtime,scala-library,scala-parallel-collections_2.13,slf4j-api,jsr305,lz4-java,snappy-java,spark-tags_2.13,antlr4-runtime
PYTEST_ARGS ?=
# Unit tests start no engine and share no port: two workers halve their time on two cores.
# Integration tests share one broker and one warm Spark, so they run in one process.
UNIT_WORKERS ?= -n 2

.PHONY: help setup demo test test-unit test-integration lint fmt bench up down status clean distclean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  \033[1m%-18s\033[0m %s\n", $$1, $$2}'

# --- set-up (idempotent: stamps make a second run take seconds) -------------------------------
$(UV_BOOT):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --extra core --python $(PYTHON) --quiet
	touch $@

# One environment per runtime whose pins conflict with the core one (envs/<runtime>/).
.venvs/%/.synced: envs/%/pyproject.toml envs/%/uv.lock pyproject.toml | $(UV)
	cd envs/$* && UV_PROJECT_ENVIRONMENT=$(CURDIR)/.venvs/$* $(UV) sync --frozen \
	    --python $(PYTHON) --quiet
	touch $@

$(JARS)/%/.fetched: jvm/pom.xml
	rm -rf $(JARS)/$*
	mvn -q -B -f jvm/pom.xml -P$* dependency:copy-dependencies $(MVN_ARGS_$*) \
	    -DincludeScope=runtime -DoutputDirectory=$(CURDIR)/$(JARS)/$*
	touch $@

# The stream job's per-message function (jvm/stream-udf: contract, typing, enrichment on the
# JVM), built from source against Flink's API; the contract schema is bundled as a resource.
UDF_JAR := $(JARS)/stream-udf/ecomlake-stream-udf.jar
$(UDF_JAR): jvm/stream-udf/pom.xml $(shell find jvm/stream-udf/src -type f) contracts/events/v1.schema.json
	mvn -q -B -f jvm/stream-udf/pom.xml package
	mkdir -p $(@D) && cp jvm/stream-udf/target/ecomlake-stream-udf.jar $@

# Debian packages: Chromium for the browser tests, Prometheus (and promtool) for `up --with
# prometheus` and the alert-rule tests, wrk for the API benchmark. Installed only when missing.
SYSTEM_PACKAGES := chromium prometheus wrk
.tools/.system-packages: Makefile
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	    dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	    sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	    echo "installing Debian packages:$$missing"; \
	    $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq \
	        --no-install-recommends $$missing >/dev/null; \
	fi
	mkdir -p $(@D) && touch $@

# The dashboard's chart library: installed from npm at the locked version, copied into the
# package's static folder (never committed).
WEB_VENDOR := src/ecomlake/dashboard/web/vendor
$(WEB_VENDOR)/echarts.min.js: dashboard/package.json dashboard/package-lock.json
	npm ci --prefix dashboard --no-audit --no-fund --loglevel=error
	mkdir -p $(@D) && cp dashboard/node_modules/echarts/dist/echarts.min.js $@

setup: .tools/.system-packages $(VENV)/.synced $(foreach r,$(PY_RUNTIMES),.venvs/$(r)/.synced) $(foreach r,$(JVM_RUNTIMES),$(JARS)/$(r)/.fetched) $(UDF_JAR) $(WEB_VENDOR)/echarts.min.js ## Install Python envs, JVM jars, Debian tools, the chart library (idempotent)
	@echo "set-up complete: $(BIN)/ecomlake"

# --- the two commands of the quickstart --------------------------------------------------------
demo: setup ## The main job: 200k events -> Kafka -> Flink -> Iceberg -> Airflow (Spark, dbt, checks) per day -> report
	$(BIN)/ecomlake demo

# The Spark transforms' unit tests run in the spark environment (pyspark is not in the core one).
SPARK_PYTEST := PYARROW_IGNORE_TIMEZONE=1 SPARK_LOCAL_IP=127.0.0.1 .venvs/spark/bin/python -m pytest -p no:cacheprovider tests/spark
# The DAG tests import Airflow and Cosmos: they run in the airflow environment.
AIRFLOW_PYTEST := .venvs/airflow/bin/python -m pytest -p no:cacheprovider tests/airflow

test: setup lint ## Lint, then run the whole test suite (unit + integration against real engines)
	$(SPARK_PYTEST) $(PYTEST_ARGS)
	$(AIRFLOW_PYTEST) $(PYTEST_ARGS)
	$(BIN)/pytest -m unit $(UNIT_WORKERS) $(PYTEST_ARGS)
	$(BIN)/pytest -m integration $(PYTEST_ARGS)

test-unit: setup ## Unit tests only
	$(SPARK_PYTEST) $(PYTEST_ARGS)
	$(AIRFLOW_PYTEST) $(PYTEST_ARGS)
	$(BIN)/pytest -m unit $(UNIT_WORKERS) $(PYTEST_ARGS)

test-integration: setup ## Integration tests only (start their own Kafka broker)
	$(BIN)/pytest -m integration $(PYTEST_ARGS)

lint: setup ## ruff, mypy, and the import rule (import-linter)
	$(BIN)/ruff check src tests bench orchestrate
	$(BIN)/ruff format --check src tests bench orchestrate
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

fmt: setup ## Format and auto-fix
	$(BIN)/ruff format src tests bench orchestrate
	$(BIN)/ruff check --fix src tests bench orchestrate

bench: setup ## Benchmarks: ingest (generator vs Kafka's producer tool), stream (drain, RSS, freshness), ETL, the lake on S3 vs local disk, dbt, the demo (time, RSS, twice), the dashboard (live latency, marts API under wrk)
	$(BIN)/python -m bench.ingest.run
	$(BIN)/python -m bench.stream.run
	$(BIN)/python -m bench.etl.run
	$(BIN)/python -m bench.s3.run
	$(BIN)/python -m bench.dbt.run
	$(BIN)/python -m bench.demo.run
	$(BIN)/python -m bench.dashboard.run

# --- services ----------------------------------------------------------------------------------
up: setup ## Start the local services (Kafka)
	$(BIN)/ecomlake up

down: ## Stop the local services
	@if [ -x $(BIN)/ecomlake ]; then $(BIN)/ecomlake down; fi

status: ## Show the local services
	$(BIN)/ecomlake status

clean: down ## Stop services and delete all state (.ecomlake/) and test artifacts
	rm -rf .ecomlake .pytest_cache .mypy_cache .ruff_cache test-artifacts

distclean: clean ## Also delete environments and fetched jars
	rm -rf $(VENV) .venvs .tools $(JARS) jvm/stream-udf/target dashboard/node_modules $(WEB_VENDOR)
