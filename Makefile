# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run check test bench levels screenshots wheel-check clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# [test] brings every extra (server, gis, postgres) and the checks; `make run` needs only [server].
$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

$(VENV)/.installed-server: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[server]'
	touch $@

run: $(VENV)/.installed-server
	$(BIN)/quartier run

# The rules of docs/architecture.md that a machine can check: lint, format, types, import layers.
check: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo

test: check
	$(BIN)/python -m pytest -q -n 2 --dist loadfile --durations=20

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/core.py
	$(BIN)/python benchmarks/render.py
	$(BIN)/python benchmarks/metrics.py
	$(BIN)/python benchmarks/export.py
	$(BIN)/python benchmarks/council.py
	$(BIN)/python benchmarks/pictures.py
	$(BIN)/python benchmarks/server.py
	$(BIN)/python benchmarks/levels.py
	$(BIN)/python benchmarks/workshop.py
	$(BIN)/python benchmarks/view3d.py
	$(BIN)/python benchmarks/rooms.py

# Rebuild the bundled levels: hand-made ones from their generator, real ones by import (deterministic).
levels: $(VENV)/.installed
	$(BIN)/python levels/generate.py
	$(BIN)/python levels/real.py

# The README's pictures: the editor by scripted headless sessions (every level's bird's-eye,
# street and walk views at 1280x720 and 1920x1080 in German and English in build/screenshots,
# a selection copied to docs/); every web page on a phone and a projector by the browser tests
# (all in build/pages, the gallery copied to docs/).
screenshots: $(VENV)/.installed
	$(BIN)/python scripts/screenshots.py --publish
	cd docs && QUARTIER_HOME=$$(mktemp -d) QUARTIER_LANG=en ../$(BIN)/quartier play --headless --script screenshot-join.json
	QUARTIER_PAGE_SCREENSHOTS=build/pages $(BIN)/python -m pytest -q tests/e2e/test_pages_access.py -k photographed
	cp build/pages/gallery-projector-en.png docs/screenshot-gallery.png
	QUARTIER_PAGE_SCREENSHOTS=build/pages $(BIN)/python -m pytest -q tests/e2e/test_classroom.py -k printed
	cp build/pages/projector-classroom.png docs/screenshot-projector.png
	QUARTIER_PAGE_SCREENSHOTS=build/pages $(BIN)/python -m pytest -q tests/e2e/test_pages_compare.py
	cp build/pages/compare-projector.png docs/screenshot-compare.png
	QUARTIER_PAGE_SCREENSHOTS=build/pages $(BIN)/python -m pytest -q tests/e2e/test_view3d.py -k compares
	cp build/pages/design-3d-projector-en.png docs/screenshot-view3d.png
	$(BIN)/python -c "from PIL import Image; [Image.open(p).convert('RGB').quantize(256).save(p, optimize=True) for p in ('docs/screenshot-join.png', 'docs/screenshot-gallery.png', 'docs/screenshot-projector.png', 'docs/screenshot-compare.png', 'docs/screenshot-view3d.png')]"

# The wheel as users get it: built, installed into fresh venvs outside the checkout (pupil,
# server, GIS), every console command run for real, install sizes printed (scripts/wheel-smoke).
wheel-check:
	scripts/wheel-smoke $(PYTHON)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .mypy_cache .ruff_cache .import_linter_cache
