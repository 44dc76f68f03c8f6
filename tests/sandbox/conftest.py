"""Every sandbox test runs twice: in a fresh interpreter (cold) and forked from the warm worker."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import pytest

import assistant.sandbox
from assistant.sandbox import WarmSandbox


@pytest.fixture(scope="session")
def warm_sandbox() -> Iterator[WarmSandbox]:
    with WarmSandbox() as sandbox:
        sandbox.run_source("pass")  # waits for the worker to import torch, so timing tests see warm runs only
        yield sandbox


@pytest.fixture(params=["cold", "warm"])
def sandbox(request: pytest.FixtureRequest) -> ModuleType | WarmSandbox:
    """Either runner: both offer run_source and run_file with the same contract."""
    if request.param == "cold":
        return assistant.sandbox
    return request.getfixturevalue("warm_sandbox")
