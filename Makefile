# The two front-door commands: `make run` and `make test`. Both set everything up first.
VENV := .venv
PY := $(VENV)/bin/python
export NO_PROXY := 127.0.0.1,localhost
export no_proxy := 127.0.0.1,localhost
export RASA_TELEMETRY_ENABLED := false

.PHONY: run test venv system-deps node-deps lint bench train clean

venv:
	@bash scripts/setup-venv.sh

system-deps:
	@bash scripts/system-deps.sh

node-deps:
	@bash scripts/node-deps.sh

run: venv
	$(VENV)/bin/taalmaatje run

test: venv system-deps node-deps
	$(VENV)/bin/ruff check bot tests
	$(PY) -m pytest

lint: venv
	$(VENV)/bin/ruff check bot tests
	$(VENV)/bin/ruff format --check bot tests

train: venv
	$(VENV)/bin/taalmaatje train

bench: venv
	$(VENV)/bin/taalmaatje bench

clean:
	rm -rf $(VENV) models var .pytest_cache node_modules
