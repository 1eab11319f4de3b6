# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run check test bench levels screenshots clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The tools of `make check`; the versions whose rules and contract types pyproject.toml uses.
CHECK_TOOLS := 'ruff>=0.17' 'mypy>=2.4' 'import-linter>=2.17'

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[server,test]' $(CHECK_TOOLS)
	touch $@

run: $(VENV)/.installed
	$(BIN)/quartier run

# The rules of docs/architecture.md that a machine can check: lint, format, types, import layers.
check: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo

test: check
	$(BIN)/python -m pytest -q

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/core.py
	$(BIN)/python benchmarks/render.py
	$(BIN)/python benchmarks/metrics.py
	$(BIN)/python benchmarks/export.py
	$(BIN)/python benchmarks/council.py
	$(BIN)/python benchmarks/server.py
	$(BIN)/python benchmarks/levels.py

# Rebuild the bundled levels: hand-made ones from their generator, real ones by import (deterministic).
levels: $(VENV)/.installed
	$(BIN)/python levels/generate.py
	$(BIN)/python levels/real.py

# The README's pictures: the editor by scripted headless sessions; every web page on a phone and
# a projector by the browser tests (all in build/pages, the gallery copied to docs/).
screenshots: $(VENV)/.installed
	cd docs && ../$(BIN)/quartier play --headless --level demo --script screenshot-demo.json --screenshot screenshot-demo.png
	cd docs && ../$(BIN)/quartier play --headless --level berlin-potsdamer-platz --script screenshot-berlin.json --screenshot screenshot-berlin.png
	QUARTIER_PAGE_SCREENSHOTS=build/pages $(BIN)/python -m pytest -q tests/e2e/test_pages_access.py -k photographed
	cp build/pages/gallery-projector-en.png docs/screenshot-gallery.png
	$(BIN)/python -c "from PIL import Image; [Image.open(p).convert('RGB').quantize(256).save(p, optimize=True) for p in ('docs/screenshot-demo.png', 'docs/screenshot-berlin.png', 'docs/screenshot-gallery.png')]"

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .mypy_cache .ruff_cache .import_linter_cache
