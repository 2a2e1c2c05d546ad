"""The TeX boundary: pdflatex run safely and reproducibly on a document's text.

A preamble is loaded once and dumped as a pdfTeX format, cached between builds; a
document takes one pass (one_pass.tex), or two where its log asks for them or TeX's
memory cannot hold an entry; every pass runs with kpathsea's paranoid file access, no
shell escape, reproducible dates and a time limit that grows with the document, and dies
with the process that started it. A failure becomes an ExgenError naming the student and
exercise whose text broke (the `%exgen-origin:` comments the document writers leave).

A pass can be started before its document is written (`started`): pdflatex then starts,
loads the format and waits for the document's name on its terminal while Python writes
the text, so that its start-up costs the build nothing; the time limit counts from when
the document is given, and a process whose document never comes is killed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from . import background
from .errors import ExgenError
from .files import cache_folder

TWO_PASSES = r"\exgentwopasses"
MAX_PASSES = 2
RERUN = re.compile(rb"Rerun|There were undefined references")
ORIGIN = "%exgen-origin: "


@dataclass
class Compiled:
    pdf: Path
    entry_pages: list[int]           # pages of each entry, in order
    passes: int = 1                  # pdflatex runs it took


# Reproducible output: no dates, no random trailer id, no pdfTeX version banner.
REPRODUCIBLE = r"\pdfinfoomitdate=1 \pdftrailerid{} \pdfsuppressptexinfo=-1"
# Reproducible dates; and, since a bank is untrusted, kpathsea's paranoid file access:
# TeX may read only its own installation and the document's folder (no absolute paths,
# no parent folders, no dot files) and write only there, with shell escape off.
TEX_ENV = {"SOURCE_DATE_EPOCH": "0", "FORCE_SOURCE_DATE": "1",
           "openin_any": "p", "openout_any": "p", "shell_escape": "f"}
PDFLATEX = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error",
            "-no-shell-escape"]


_FORMAT_LOCK = threading.Lock()      # a class's documents share one format: made once


def preamble_format(preamble: str) -> Path | None:
    """The preamble (document class, babel, fonts, packages) loaded once and dumped as a
    pdfTeX format, cached by its text: loading a format is much faster than reading
    the preamble, which is most of a short document's compile time. None if the
    format cannot be made (the document is then compiled with its preamble)."""
    with _FORMAT_LOCK:
        return _preamble_format(preamble)


@lru_cache(maxsize=None)
def _preamble_format(preamble: str) -> Path | None:
    version = subprocess.run(["pdflatex", "--version"], capture_output=True,
                             text=True).stdout.splitlines()[:1]
    key = hashlib.sha256((preamble + "".join(version)).encode()).hexdigest()[:20]
    target = cache_folder("formats") / f"exgen-{key}.fmt"
    if target.is_file():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="exgen-fmt-") as tmp:
            (Path(tmp) / "fmt.tex").write_text(preamble + "\n\\dump\n", encoding="utf-8")
            proc = subprocess.run(
                ["pdflatex", "-ini", "-interaction=batchmode", f"-jobname=exgen-{key}",
                 "&pdflatex", "fmt.tex"], cwd=tmp, capture_output=True,
                env={**os.environ, **TEX_ENV}, stdin=subprocess.DEVNULL,
                preexec_fn=background.die_with_parent)
            built = Path(tmp) / f"exgen-{key}.fmt"
            if proc.returncode != 0 or not built.is_file():
                return None
            staged = target.with_suffix(f".{os.getpid()}.tmp")
            shutil.copyfile(built, staged)
            os.replace(staged, target)
        return target
    except OSError:
        return None


class Started:
    """A pdflatex pass started before its document exists: the process loads the format
    `fmt` and waits, in scroll mode, for a line on its terminal. `run` gives it the
    document's name, switching to the non-stop mode of every pass (the PDF is the same
    bytes as `pdflatex name.tex` makes); `close` kills it if it still runs."""

    def __init__(self, fmt: Path, workdir: Path, name: str):
        self.fmt, self.workdir, self.name = fmt, workdir, name
        workdir.mkdir(parents=True, exist_ok=True)
        self.proc: subprocess.Popen | None = subprocess.Popen(
            [*PDFLATEX, f"-fmt={fmt}", f"-jobname={name}"], cwd=workdir,
            env={**os.environ, **TEX_ENV}, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, preexec_fn=background.die_with_parent)
        try:
            # The first line makes TeX load the format; at its end TeX waits for the next.
            self.proc.stdin.write(b"\\scrollmode\n")
            self.proc.stdin.flush()
        except OSError:
            self.close()

    def usable(self, fmt: Path | None, workdir: Path, name: str) -> bool:
        """Still waiting, for this document (its format, folder and name)?"""
        return (self.proc is not None and self.proc.poll() is None
                and (fmt, workdir, name) == (self.fmt, self.workdir, self.name))

    def run(self, limit: float) -> subprocess.CompletedProcess:
        """The pass on {name}.tex, now written. Raises TimeoutExpired, with what TeX
        printed, when it takes longer than `limit` seconds."""
        proc = self.proc
        try:
            out, err = proc.communicate(f"\\nonstopmode\\input {self.name}.tex\n".encode(),
                                        timeout=limit)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            raise subprocess.TimeoutExpired(proc.args, limit, out, err) from None
        finally:
            self.close()
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

    def close(self) -> None:
        """Kill the process if it still runs (it waits, or was interrupted)."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            with contextlib.suppress(OSError):
                stream.close()


@contextlib.contextmanager
def started(preamble: str, workdir: Path, name: str) -> Iterator[Started | None]:
    """A pass of the document `name` in `workdir` whose preamble is `preamble`, started
    now (None if its format cannot be made): give it to compile_tex once the document
    is written. Whatever happens meanwhile, it is not left running."""
    fmt = preamble_format(preamble)
    try:
        early = Started(fmt, workdir, name) if fmt else None
    except OSError:
        early = None
    try:
        yield early
    finally:
        if early is not None:
            early.close()


def compile_tex(source: str, workdir: Path, name: str,
                early: Started | None = None) -> Compiled:
    """Run pdflatex once (twice if the log asks for it, or in two passes a document too
    long for one); on error, raise naming the student and exercise whose text broke,
    with the relevant lines of the log. `early`: its first pass, started already (used
    if it was started for this document and its preamble)."""
    try:
        return _compile_tex(source, workdir, name, early)
    except _OutOfMemory:
        (workdir / f"{name}.aux").unlink(missing_ok=True)
        preamble, marker, body = source.partition("\\begin{document}")
        return _compile_tex(preamble + marker + TWO_PASSES + "%\n" + body, workdir, name)
    finally:
        if early is not None:
            early.close()


class _OutOfMemory(Exception):
    """TeX's memory did not hold the pages of an entry typeset in one pass."""


def _compile_tex(source: str, workdir: Path, name: str,
                 early: Started | None = None) -> Compiled:
    workdir.mkdir(parents=True, exist_ok=True)
    preamble, marker, body = source.partition("\\begin{document}")
    fmt = preamble_format(preamble) if marker else None
    text, origins = _announced(REPRODUCIBLE + "\n" + (marker + body if fmt else source))
    (workdir / f"{name}.tex").write_text(text, encoding="utf-8")
    command = [*PDFLATEX, f"-fmt={fmt}"] if fmt else PDFLATEX
    limit = tex_time_limit(text)
    two_passes = TWO_PASSES in body
    if early is not None and (two_passes or not early.usable(fmt, workdir, name)):
        early.close()             # a draft first pass, or another document: not this one
    for passes in range(1, MAX_PASSES + 1):
        # In two passes, the first only counts pages: -draftmode skips writing the PDF.
        draft = ["-draftmode"] if two_passes and passes == 1 else []
        try:
            if passes == 1 and early is not None and early.proc is not None:
                proc = early.run(limit)
            else:
                proc = subprocess.run(
                    [*command, *draft, f"{name}.tex"], cwd=workdir,
                    env={**os.environ, **TEX_ENV}, capture_output=True,
                    stdin=subprocess.DEVNULL,
                    preexec_fn=background.die_with_parent, timeout=limit)
        except subprocess.TimeoutExpired as exc:
            reached = re.findall(rb"\[exgen-origin (\d+)\]", exc.stdout or b"")
            where = origins[int(reached[-1])] if reached else "the document's layout"
            raise ExgenError(f"pdflatex did not finish within {limit:.0f} s while typesetting "
                             f"{where} (a TeX loop, or input that never ends?); stopped, "
                             "and the previous build is left as it was") from None
        log = (workdir / f"{name}.log").read_bytes()
        if proc.returncode != 0:
            if not two_passes and b"TeX capacity exceeded" in log:
                raise _OutOfMemory
            raise _tex_error(text, workdir / f"{name}.log", name)
        if not (draft or RERUN.search(log)):
            break
    aux = (workdir / f"{name}.aux").read_text(encoding="utf-8", errors="replace")
    pages = {int(n): int(p) for n, p in
             re.findall(r"\\newlabel\{exgen-end-(\d+)\}\{\{[^}]*\}\{(\d+)\}", aux)}
    return Compiled(workdir / f"{name}.pdf", [pages[k] for k in sorted(pages)], passes)


# The time one pdflatex pass may take: a floor for start-up, and about ten times the
# time a document of that size needs on a slow machine. Past it TeX is looping.
TEX_TIME_FLOOR = 60.0
TEX_SECONDS_PER_MB = 100.0


def tex_time_limit(source: str) -> float:
    return TEX_TIME_FLOOR + TEX_SECONDS_PER_MB * len(source.encode("utf-8")) / 1e6


def _announced(text: str) -> tuple[str, list[str]]:
    """The source with a \\message after each origin comment, so that TeX's terminal
    output says which student and exercise it has reached (TeX flushes each message);
    and the origins by number."""
    origins: list[str] = []

    def announce(match: re.Match) -> str:
        origins.append(match.group(1))
        return f"{match.group(0)}\n\\message{{[exgen-origin {len(origins) - 1}]}}"

    return re.sub(rf"^{re.escape(ORIGIN)}(.*)$", announce, text, flags=re.M), origins


def _tex_error(source: str, log_path: Path, name: str) -> ExgenError:
    log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else ""
    match = re.search(rf"^\./{re.escape(name)}\.tex:(\d+): (.*)$", log, re.M)
    lines = source.splitlines()
    origin = "the document's layout"
    excerpt = ""
    if match:
        line_number = int(match.group(1))
        for line in reversed(lines[:line_number]):
            if line.startswith(ORIGIN):
                origin = line[len(ORIGIN):]
                break
        start = log.index(match.group(0))
        excerpt = "\n    ".join(log[start:].splitlines()[:8])
    else:
        errors = [l for l in log.splitlines() if l.startswith("!")]
        excerpt = "\n    ".join(errors[:8]) or "(no log)"
    return ExgenError(f"pdflatex failed on {origin}:\n    {excerpt}")
