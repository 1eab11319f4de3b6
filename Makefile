# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test bench levels clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[server,test]'
	touch $@

run: $(VENV)/.installed
	$(BIN)/quartier run

test: $(VENV)/.installed
	$(BIN)/python -m pytest -q

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/core.py

# Rebuild the hand-made bundled levels from their generator (deterministic).
levels: $(VENV)/.installed
	$(BIN)/python levels/generate.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
