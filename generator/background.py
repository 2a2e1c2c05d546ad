"""Work that runs beside the rest of a build, in a process of its own.

A class build's PDFs (their LaTeX, pdflatex, the files) take longer than everything
else, and Python runs one thread at a time: so the PDF writer forks, and its Python
runs on the other core while this process writes the Markdown and the workbook. The
child shares everything computed before it started (the bank, the exam, the documents)
without copying or pickling it. Where there is no fork (Windows), a thread does it.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor
from typing import Callable

from .errors import ExgenError, from_os_error

# The exit status a child uses for an ExgenError (its message then goes to the parent).
_USER_ERROR = 2
_INTERRUPTED = 130


def _prctl():
    """Linux's prctl, looked up once in the parent (a forked child only calls it)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _prctl()
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In a child process: be killed when the process (thread) that started it dies, even
    by SIGKILL, so that no worker outlives a killed build and goes on writing."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def start(work: Callable[[], None], yielding: bool = False) -> Callable[[], None]:
    """Start `work` beside this process; return the function that waits for it and
    raises what went wrong there (an ExgenError as itself). `yielding` work is not what
    the build waits for longest (the PDFs are): when every core is busy, the system runs
    it last."""
    if not hasattr(os, "fork"):
        pool = ThreadPoolExecutor(max_workers=1)
        job = pool.submit(work)
        pool.shutdown(wait=False)
        return job.result
    sys.stdout.flush()
    sys.stderr.flush()
    gc.freeze()                       # the child does not copy pages to collect them
    read, write = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:                      # the child: work, report, and leave at once
        die_with_parent()
        if os.getppid() != parent:    # the parent died before that: do nothing
            os._exit(_INTERRUPTED)
        os.close(read)
        status, report = 0, ""
        try:
            if yielding:
                os.nice(10)
            work()
        except ExgenError as exc:
            status, report = _USER_ERROR, str(exc)
        except OSError as exc:        # a full disk: said as the parent would say it
            status, report = _USER_ERROR, str(from_os_error(exc))
        except KeyboardInterrupt:     # the parent has its own, and stops
            status = _INTERRUPTED
        except BaseException:         # noqa: BLE001 — reported to the parent, which raises
            status, report = 1, traceback.format_exc()
        try:
            with os.fdopen(write, "w", encoding="utf-8") as pipe:
                pipe.write(report)
        finally:
            os._exit(status)          # no atexit handlers, no second flush of our buffers
    os.close(write)
    gc.unfreeze()
    waited = []

    def wait() -> None:
        if waited:
            return
        with os.fdopen(read, encoding="utf-8", errors="replace") as pipe:
            report = pipe.read()
        _, status = os.waitpid(pid, 0)
        waited.append(True)
        code = os.waitstatus_to_exitcode(status)
        if code == _USER_ERROR:
            raise ExgenError(report)
        if code in (_INTERRUPTED, -signal.SIGINT):
            raise KeyboardInterrupt
        if code != 0:
            raise RuntimeError(f"a background part of the build failed (exit status {code}):"
                               f"\n{report}")

    return wait
