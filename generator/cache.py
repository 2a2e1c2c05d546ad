"""Work that is the same from build to build, kept in the user's cache folder
(~/.cache/exgen/work/): each variant's rendered texts and their HTML, its exact answers,
the misconceptions grading can tell from its key, and whether the sampler avoids it.

A stored entry is trusted only as far as its key: each file is named by, and carries,
the hash of exgen's own source files and of the packages that shape the texts, and for
the bank's work the hash of every file of the bank, so any change of either makes a new
file and the old one is never read again. Entries are JSON (text, never unpickled or
evaluated); a file that cannot be read, is not JSON, names another identity or holds an
entry of the wrong shape is ignored, the work is done again, and the file is rewritten.

Only the `exgen` command keeps the cache (`enable()`, `save()` when the command has
succeeded, `disable()` when it ends); code that calls the library in its own process
(the tests' checks of the work done, bench's unit) does the work every time, as before.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Callable, TypeVar

from .files import cache_folder

T = TypeVar("T")
FORMAT = 1
KEPT = 8                  # files of one kind kept: the newest, for banks used by turns
MOST_ENTRIES = 20_000     # a store this full starts again (each build reads it whole)
# The packages whose versions shape a rendered text or its HTML.
SHAPING = ("jinja2", "markdown-it-py", "mdit-py-plugins", "babel", "sympy")

_enabled = False
_stores: dict[tuple[str, str], "Store"] = {}
_banks: dict[Path, str] = {}
_asked: dict[tuple, "Store"] = {}


_commands = 0


def enable() -> None:
    global _enabled, _commands
    _enabled = True
    _commands += 1


def command_number() -> int:
    """Which command of this process runs: what is read once per command (a template,
    whose file is not looked at again while it runs) is keyed by it, and read again by
    the next one (a file may change in between)."""
    return _commands


def disable() -> None:
    """The command is over: forget its stores (a bank may change before the next one)."""
    global _enabled
    _enabled = False
    _stores.clear()
    _banks.clear()
    _asked.clear()


def enabled() -> bool:
    return _enabled


def _files_hash(digest, folder: Path, suffixes: tuple[str, ...] | None = None) -> None:
    found = []
    for top, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        found += [os.path.join(top, n) for n in names
                  if suffixes is None or n.endswith(suffixes)]
    for path in sorted(found):
        digest.update(os.path.relpath(path, folder).encode() + b"\0")
        with open(path, "rb") as file:
            digest.update(hashlib.sha256(file.read()).digest())


@lru_cache(maxsize=1)
def exgen_identity() -> str:
    """exgen's source files, the Python and the versions of the packages that shape its
    texts: a change of any of them is a new identity."""
    from importlib.metadata import PackageNotFoundError, version

    digest = hashlib.sha256(f"exgen-cache {FORMAT} {sys.version}".encode())
    for package in SHAPING:
        try:
            digest.update(f"{package} {version(package)}\n".encode())
        except PackageNotFoundError:
            digest.update(f"{package} -\n".encode())
    _files_hash(digest, Path(__file__).resolve().parent, (".py", ".tex", ".js", ".css",
                                                          ".html", ".json", ".toml"))
    return digest.hexdigest()


def bank_identity(root: Path) -> str:
    """Every file of a bank (its variants/ and templates/ folders) and exgen's identity,
    hashed once per command."""
    root = Path(root).resolve()
    if root not in _banks:
        digest = hashlib.sha256(exgen_identity().encode())
        for part in ("variants", "templates"):
            digest.update(f"\n{part}\n".encode())
            _files_hash(digest, root / part)
        _banks[root] = digest.hexdigest()
    return _banks[root]


class Store:
    """The entries of one kind of work for one identity: one JSON file, read at the
    first lookup, written by `save()` when something was added."""

    def __init__(self, kind: str, identity: str):
        self.kind = kind
        self.identity = identity
        self.path = cache_folder("work") / f"{kind}-{identity[:40]}.json"
        self._entries: dict | None = None
        self._added = False

    def _load(self) -> dict:
        if self._entries is None:
            self._entries = {}
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, ValueError, RecursionError):
                return self._entries
            if (isinstance(data, dict) and data.get("format") == FORMAT
                    and data.get("kind") == self.kind and data.get("identity") == self.identity
                    and isinstance(data.get("entries"), dict)):
                self._entries = data["entries"]
            else:                   # another program's file, or a damaged one: rewrite it
                self._added = True
        return self._entries

    def get(self, key: str):
        return self._load().get(key)

    def put(self, key: str, value) -> None:
        entries = self._load()
        if len(entries) >= MOST_ENTRIES:     # a file read by every build stays small
            entries.clear()
        entries[key] = value
        self._added = True

    def forget(self, key: str) -> None:
        """An entry of the wrong shape: it is made again and the file rewritten."""
        self._load().pop(key, None)
        self._added = True

    def save(self) -> None:
        if not self._added:
            return
        folder = self.path.parent
        data = {"format": FORMAT, "kind": self.kind, "identity": self.identity,
                "entries": self._entries}
        try:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            handle, temporary = tempfile.mkstemp(prefix=f".{self.kind}-", dir=folder)
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as file:
                    # dumps, not dump: dump encodes piece by piece, in Python
                    file.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
                os.replace(temporary, self.path)
            except BaseException:
                os.unlink(temporary)
                raise
            _prune(folder, self.kind)
        except OSError:            # a read-only or full cache folder: no cache, no error
            return
        self._added = False


def _prune(folder: Path, kind: str) -> None:
    files = sorted(folder.glob(f"{kind}-*.json"), key=lambda p: p.stat().st_mtime,
                   reverse=True)
    for old in files[KEPT:]:
        old.unlink(missing_ok=True)


def store(kind: str, identity: str) -> Store | None:
    """The store of `kind` for `identity`, one per process; None unless enabled."""
    if not _enabled:
        return None
    key = (kind, identity)
    if key not in _stores:
        _stores[key] = Store(kind, identity)
    return _stores[key]


def bank_store(kind: str, root: Path, *parameters: object) -> Store | None:
    """A store of a bank's work, for these parameters (a language, …); looked up once
    per command (it is asked for each variant)."""
    if not _enabled:
        return None
    asked = (kind, str(root), *map(str, parameters))
    if asked not in _asked:
        identity = hashlib.sha256(json.dumps([bank_identity(root), *parameters],
                                             default=str).encode()).hexdigest()
        _asked[asked] = store(kind, identity)
    return _asked[asked]


def bank_work(kind: str, exercise, key: list, compute: Callable[[], T],
              encode: Callable[[T], object], decode: Callable[[object], T]) -> T:
    """`compute()`, the work of one exercise of a bank for `key`, or what the cache kept
    of it (`encode` gives None for a value it does not keep). `decode` raises ValueError (or TypeError, KeyError) for an entry of the wrong
    shape (or IndexError, RecursionError): it is computed again and the entry replaced."""
    kept = bank_store(kind, exercise.path.parent.parent)    # <bank>/variants/<id>.toml
    if kept is None:
        return compute()
    text = json.dumps(key, ensure_ascii=False)
    found = kept.get(text)
    if found is not None:
        try:
            return decode(found)
        except (ValueError, TypeError, KeyError, IndexError, RecursionError):
            kept.forget(text)
    value = compute()
    encoded = encode(value)
    if encoded is not None:                  # None: a value this cache does not keep
        kept.put(text, encoded)
    return value


def remembered(kind: str, function: Callable[[str], str]) -> Callable[[str], str]:
    """`function` of a text, a pure function of it and of exgen, looked up in the cache
    first."""
    kept = store(kind, hashlib.sha256(f"{kind}\n{exgen_identity()}".encode()).hexdigest()) \
        if _enabled else None
    if kept is None:
        return function

    def lookup(text: str) -> str:
        value = kept.get(text)
        if isinstance(value, str):
            return value
        value = function(text)
        kept.put(text, value)
        return value

    return lookup


def save() -> None:
    """Write what this process added (the command has succeeded)."""
    for kept in _stores.values():
        kept.save()
