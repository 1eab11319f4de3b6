"""`--quick`: the smallest run of a benchmark script, so the test suite proves every script still runs.

A benchmark nobody runs breaks silently (benchmarks/export.py once crashed for months), so
`tests/test_benchmarks.py` runs each script with `--quick` inside `make test`. Quick runs check
that the script completes and prints its tables, never their figures: sizes and repeats shrink
to what takes a few seconds.
"""

import sys
from typing import TypeVar

T = TypeVar("T")

QUICK = "--quick" in sys.argv[1:]


def pick(full: T, quick: T) -> T:
    """`full` for a real measurement, `quick` under `--quick`."""
    return quick if QUICK else full
