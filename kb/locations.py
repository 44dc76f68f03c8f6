"""Where kb keeps its default index. Standard library only: a `kb ask` answered by a running
server looks the index up here and must not pay for SQLite, YAML or the document parsers."""

from __future__ import annotations

import os
from pathlib import Path


def default_index_dir() -> Path:
    """KB_HOME, else the XDG data directory: the shipped corpus plus what the user ingested."""
    if home := os.environ.get("KB_HOME"):
        return Path(home).expanduser() / "index"
    data = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data) / "kb" / "index"
