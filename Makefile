# WuyeFlow: `make run` starts everything on SQLite, `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
WF := $(BIN)/wuyeflow
export FLASK_APP := service:create_app

.PHONY: run test install lint assets check-assets bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed

run: install
	$(WF) init-db
	$(WF) deploy bpmn forms --note "bundled processes (make run)"
	$(WF) demo-users
	@echo "WuyeFlow: http://127.0.0.1:8000  (Ctrl-C stops web and scheduler)"
	$(WF) scheduler & sched=$$!; trap 'kill $$sched 2>/dev/null' EXIT INT TERM; $(WF) serve --bind 127.0.0.1:8000

lint: install
	$(BIN)/ruff check service tests

test: install lint
	$(BIN)/pytest
	@if [ -n "$$WUYEFLOW_TEST_POSTGRES_URL" ]; then \
		echo "== again on PostgreSQL"; \
		WUYEFLOW_TEST_DATABASE_URL="$$WUYEFLOW_TEST_POSTGRES_URL" $(BIN)/pytest tests/api tests/conformance tests/processes; \
	else \
		echo "PostgreSQL part skipped: set WUYEFLOW_TEST_POSTGRES_URL (as .ci/run does) to run it"; \
	fi

assets:
	scripts/build-assets.sh

check-assets:
	scripts/check-assets.sh

bench: install
	$(WF) bench

clean:
	rm -rf $(VENV) instance *.egg-info
