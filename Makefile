# eco2 developer commands. `make run` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
UV := $(shell command -v uv 2>/dev/null)

.PHONY: install run test lint bench clean protos

$(STAMP): pyproject.toml requirements.lock
ifneq ($(UV),)
	$(UV) venv --allow-existing -q -p $(PYTHON) $(VENV)
	$(UV) pip install -q -p $(BIN)/python -r requirements.lock
	$(UV) pip install -q -p $(BIN)/python --no-deps -e .
else
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
endif
	touch $(STAMP)

install: $(STAMP)

run: install
	@echo "웹 채팅: http://127.0.0.1:8000/"
	$(BIN)/eco2 serve

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src

bench: install
	$(BIN)/python -m benchmarks

protos: install
	for proto in src/eco2/infrastructure/integrations/*/proto/*.proto; do \
		$(BIN)/python -m grpc_tools.protoc -Isrc --python_out=src --grpc_python_out=src --pyi_out=src $$proto; \
	done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
