"""Every benchmark script runs to its end in `--quick` mode (benchmarks/mode.py).

Checks that each script completes and prints a Markdown table, never its figures: timings
belong to `make bench`, where the scripts print ceilings and peers beside each measurement.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
HELPERS = {"ceiling.py", "cities.py", "mode.py", "processes.py", "table.py"}
SCRIPTS = sorted(p.name for p in BENCHMARKS.glob("*.py") if p.name not in HELPERS)


def test_every_script_is_listed_in_make_bench():
    makefile = (BENCHMARKS.parent / "Makefile").read_text()
    assert [s for s in SCRIPTS if f"benchmarks/{s}" not in makefile] == []


@pytest.mark.parametrize("script", SCRIPTS)
def test_benchmark_runs_in_quick_mode(script):
    env = {**os.environ, "PYTHONPATH": str(BENCHMARKS.parent)}
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), "--quick"],
        cwd=BENCHMARKS,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "-|-" in result.stdout, result.stdout[-2000:]  # at least one table was printed
