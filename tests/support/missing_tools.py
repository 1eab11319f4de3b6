"""Tests that need a tool from outside Python: one table of groups and install commands.

A test (or fixture) whose tool is missing calls `missing(group, reason)`. On a developer's
machine that skips it with the install hint; under QUARTIER_CI=1 (`.ci/run`) it fails instead,
and any other skip fails the run too, because CI must run everything. At the end of the run a
box says which groups did not run and the one command that installs what each needs.

Loaded as a pytest plugin by tests/conftest.py.
"""

import os
from collections import Counter
from dataclasses import dataclass
from typing import NoReturn

import pytest
from _pytest.outcomes import (
    Skipped,  # what pytest.skip raises; public only as pytest.skip.Exception
)

IN_CI = bool(os.environ.get("QUARTIER_CI"))


@dataclass(frozen=True)
class Group:
    tests: str
    install: str  # the one command on Debian/Ubuntu (what .ci/run installs)
    otherwise: str = ""


GROUPS = {
    "browser": Group(
        "browser tests (Chromium)",
        "apt-get install chromium",
        "where the network allows: playwright install chromium,"
        " then QUARTIER_CHROMIUM=<the chrome it downloaded>",
    ),
    "postgres": Group("PostgreSQL tests", "apt-get install postgresql-15"),
    "window": Group("window tests (headless OpenGL)", "apt-get install libegl1 libgl1-mesa-dri"),
}


class MissingTool(Skipped):
    """A skip that remembers which group of tools was missing, for the summary box."""

    def __init__(self, message: str, group: str) -> None:
        super().__init__(message)
        self.missing_tool = group


def missing(group: str, reason: str) -> NoReturn:
    """This test cannot run here because a tool of `group` is missing (`reason` says which)."""
    install = GROUPS[group].install
    if IN_CI:
        pytest.fail(f"{reason} (QUARTIER_CI=1: nothing may skip). Install with: {install}")
    raise MissingTool(f"{reason}. Install with: {install}", group)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    group = getattr(call.excinfo.value, "missing_tool", None) if call.excinfo else None
    if report.skipped and group:
        report.user_properties.append(("missing_tool", group))
    return report


def _missing_groups(terminalreporter) -> Counter[str]:
    return Counter(
        value
        for report in terminalreporter.stats.get("skipped", [])
        for name, value in report.user_properties
        if name == "missing_tool"
    )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """After pytest's own summary (this wrapper is the outermost), so it is the last thing read."""
    result = yield
    skipped = len(terminalreporter.stats.get("skipped", []))
    if IN_CI and skipped:
        terminalreporter.write_line(
            f"QUARTIER_CI=1: {skipped} tests skipped, and in CI nothing may skip.",
            red=True,
            bold=True,
        )
    counts = _missing_groups(terminalreporter)
    if counts:
        lines = ["Did not run:"]
        for group, count in sorted(counts.items()):
            lines += [
                f"  {count} {GROUPS[group].tests}",
                f"    Install with: {GROUPS[group].install}",
            ]
            if GROUPS[group].otherwise:
                lines.append(f"    ({GROUPS[group].otherwise})")
        width = max(map(len, lines)) + 2
        terminalreporter.write_line("╔" + "═" * width + "╗", yellow=True, bold=True)
        for line in lines:
            terminalreporter.write_line(f"║ {line:<{width - 1}}║", yellow=True, bold=True)
        terminalreporter.write_line("╚" + "═" * width + "╝", yellow=True, bold=True)
    return result


def pytest_sessionfinish(session, exitstatus):
    """Under QUARTIER_CI=1 any skip at all fails the run, whatever its reason."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if IN_CI and reporter is not None and reporter.stats.get("skipped") and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
