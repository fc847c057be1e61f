"""Shared fixtures and helpers for the project's tests."""

from __future__ import annotations

import os

import pytest
import torch

from grader import registry, zygote_launch
from grader.pool import SandboxPool
from tests import sandboxing  # noqa: F401  (gives this session its own sandbox uids)
from tests.browser import launch

# The trusted side computes on tiny tensors; extra intra-op threads only cost time (the CLI does the same).
torch.set_num_threads(1)


def pytest_sessionfinish(session, exitstatus):
    """Under ``make test`` (ATTN_JUDGE_STRICT=1) a skipped test fails the run: nothing may be left out."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if os.environ.get("ATTN_JUDGE_STRICT") and skipped and session.exitstatus == 0:
        reporter.write_line(f"{len(skipped)} test(s) skipped: under make test every test must run "
                            "(install what the skip reason names)", red=True)
        session.exitstatus = 1


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _no_prestarted_zygote_outlives_its_test():
    """A command run in-process (CliRunner) may prestart a zygote it never takes: end it with the test."""
    yield
    zygote_launch._abandon_unused()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session (tests/browser.py)."""
    yield from launch()


@pytest.fixture(scope="module")
def pool():
    """Two warm sandbox workers shared by one module's tests (a module may define its own)."""
    with SandboxPool(2) as pool:
        yield pool


@pytest.fixture(scope="session")
def problems():
    return registry.all_problems()
