"""Fixtures of the recipe tests (the helpers are in tests/recipes/kbfix.py)."""

from __future__ import annotations

import logging

import pytest

from tests.recipes.kbfix import Sandbox


@pytest.fixture(scope="session")
def sandbox() -> Sandbox:
    return Sandbox()


@pytest.fixture(autouse=True)
def no_recipe_raises(caplog: pytest.LogCaptureFixture):
    """A recipe that raises is logged and skipped by kb fix; under test it is a failure."""
    with caplog.at_level(logging.ERROR, logger="kb.recipes"):
        yield
    assert not [r for r in caplog.records if r.name == "kb.recipes"], caplog.text
