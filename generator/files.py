"""Writing one output file: parents created, text as UTF-8 with Unix line ends (the
same bytes on every platform)."""

from __future__ import annotations

from pathlib import Path


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")


def write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def cache_folder(name: str) -> Path:
    """exgen's cache of `name` (work that is the same from build to build: TeX formats,
    compiled templates), under $XDG_CACHE_HOME or ~/.cache."""
    import os

    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "exgen" / name
