"""Release numbers and which torchvision / torchaudio / NumPy belong with a torch."""

from __future__ import annotations

import pytest

from assistant.environment import versions
from assistant.environment.versions import Release


@pytest.mark.parametrize("text, release", [
    ("2.13.0+cpu", Release(2, 13, 0, "cpu")), ("2.6.0+cu124", Release(2, 6, 0, "cu124")),
    ("2.14.1", Release(2, 14, 1)), ("2.5.0a0+git1234", Release(2, 5, 0, "git1234")), ("1.13", Release(1, 13)),
])
def test_releases_parse_with_their_build_variant(text: str, release: Release) -> None:
    assert versions.parse(text) == release


@pytest.mark.parametrize("text", [None, "", "unknown", "torch"])
def test_what_is_no_release_parses_to_none(text: str | None) -> None:
    assert versions.parse(text) is None


@pytest.mark.parametrize("torch, vision, audio", [
    ("2.13.0", (0, 28), (2, 13)), ("2.14.1", (0, 29), (2, 14)), ("2.9.1", (0, 24), (2, 9)),
    ("2.0.1", (0, 15), (2, 0)), ("1.13.1", (0, 14), (0, 13)),
])
def test_companion_release_lines(torch: str, vision: tuple[int, int], audio: tuple[int, int]) -> None:
    release = versions.parse(torch)
    assert release is not None
    assert versions.torchvision_line(release) == vision
    assert versions.torchaudio_line(release) == audio


def test_the_wheel_index_follows_the_build_variant() -> None:
    assert versions.index_url(Release(2, 13, 0, "cpu")) == "https://download.pytorch.org/whl/cpu"
    assert versions.index_url(Release(2, 14, 1)) is None


def test_torch_before_2_3_was_built_for_numpy_1() -> None:
    assert versions.built_for_numpy1(Release(2, 2, 2)) and not versions.built_for_numpy1(Release(2, 3, 0))
