"""Writing output files: parents created, text as UTF-8 with Unix line ends (the same
bytes on every platform); many of them beside the work that computes the next ones."""

from __future__ import annotations

import contextlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Iterator


def write_text(path: Path, text: str) -> None:
    with naming(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")


def write_bytes(path: Path, data: bytes) -> None:
    with naming(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


@contextlib.contextmanager
def naming(path: Path) -> Iterator[None]:
    """An OSError while writing `path` names it (a full disk is found by write() and
    close(), whose errors name no file)."""
    try:
        yield
    except OSError as exc:
        if exc.filename:
            raise
        raise OSError(exc.errno, exc.strerror, str(path)) from None


# Threads that create files: creating one is a system call that takes longer than
# rendering it on some file systems, and Python lets other threads run meanwhile.
WRITERS = 2


@contextlib.contextmanager
def writing_beside() -> Iterator[Callable[[Path, str], None]]:
    """`write(path, text)` that returns at once; the file is written by another thread.
    Leaving the block waits for every file and raises the first error (a full disk)."""
    with ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="exgen-write") as pool:
        pending = []

        def write(path: Path, text: str) -> None:
            pending.append(pool.submit(write_text, path, text))

        yield write
        for job in pending:
            job.result()


def files_under(folder: Path) -> list[str]:
    """Every file below `folder`, as sorted relative paths (from the directory listings
    alone: no system call per file)."""
    return sorted(os.path.relpath(os.path.join(top, name), folder)
                  for top, _, names in os.walk(folder) for name in names)


def cache_folder(name: str) -> Path:
    """exgen's cache of `name` (work that is the same from build to build: TeX formats,
    compiled templates), under $XDG_CACHE_HOME or ~/.cache."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "exgen" / name
