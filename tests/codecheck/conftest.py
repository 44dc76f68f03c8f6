"""Fixtures of the code-check tests."""

from __future__ import annotations

import logging

import pytest


@pytest.fixture(autouse=True)
def no_detector_raises(caplog: pytest.LogCaptureFixture):
    """A detector that raises is logged and skipped by kb lint; under test it is a failure."""
    with caplog.at_level(logging.ERROR, logger="kb.codecheck"):
        yield
    assert not [r for r in caplog.records if r.name == "kb.codecheck"], caplog.text
