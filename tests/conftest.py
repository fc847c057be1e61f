"""Shared fixtures and helpers for the project's tests."""

from __future__ import annotations

import pytest

from grader import registry
from tests import sandboxing  # noqa: F401  (gives this session its own sandbox uids)
from tests.browser import launch


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session (tests/browser.py)."""
    yield from launch()


@pytest.fixture(scope="session")
def problems():
    return registry.all_problems()
