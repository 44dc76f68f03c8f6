"""The ingest progress bar shows the ingest's own rate and ETA."""

import io

from rich.console import Console

from assistant.interface import render
from kb.ingest import IngestProgress


def test_speed_shows_rate_and_eta():
    assert render.speed(IngestProgress(done=100, total=400, elapsed_s=4.0)) == "25.0 chunks/s, ETA 0:12"


def test_speed_shows_hours_for_a_long_ingest():
    assert render.speed(IngestProgress(done=10, total=100_010, elapsed_s=1.0)).endswith("ETA 2:46:40")


def test_speed_is_empty_before_there_is_a_rate():
    assert render.speed(IngestProgress(done=0, total=400, elapsed_s=0.5)) == ""


def test_progress_bar_prints_rate_and_eta(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(render, "err", Console(file=stream, force_terminal=True, width=160))
    with render.progress("Embedding") as advance:
        advance(IngestProgress(done=64, total=256, elapsed_s=2.0))
    shown = stream.getvalue()
    assert "64/256" in shown and "32.0 chunks/s, ETA 0:06" in shown


def test_quiet_progress_prints_nothing(monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(render, "err", Console(file=stream, force_terminal=True, width=160))
    with render.progress("Embedding", quiet=True) as advance:
        advance(IngestProgress(done=64, total=256, elapsed_s=2.0))
    assert stream.getvalue() == ""
