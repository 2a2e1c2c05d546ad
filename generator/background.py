"""Work that runs beside the rest of a build, in a process of its own.

A class build's PDFs (their LaTeX, pdflatex, the files) take longer than everything
else, and Python runs one thread at a time: so the PDF writer forks, and its Python
runs on the other core while this process writes the Markdown and the workbook. The
child shares everything computed before it started (the bank, the exam, the documents)
without copying or pickling it. Where there is no fork (Windows), a thread does it.

A process can also be started before its work is known (`prepared`): it imports what
the work needs while this process is still busy on one core (loading the bank, drawing
the variants), then waits for the work's data, sent when known.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterator

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
    return _forked(work, yielding)


def _forked(work: Callable[[], None], yielding: bool) -> Callable[[], None]:
    """Fork a child that runs `work`; the function that waits for it."""
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


class Prepared:
    """A process started before its work's data is known (see `prepared`): `give` sends
    the data and returns the function that waits for the work, as `start` does."""

    def __init__(self, wait: Callable[[], None] | None, send: int | None,
                 work: Callable[[Any], None], yielding: bool):
        self._wait, self._send, self._work, self._yielding = wait, send, work, yielding

    def give(self, data: Any) -> Callable[[], None]:
        if self._send is None and self._wait is None:   # no fork: a thread does it now
            return start(lambda: self._work(data), self._yielding)
        self._post(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL))
        return self._wait

    def cancel(self) -> None:
        """No data will come: the process leaves at once, and is waited for."""
        if self._send is not None:
            self._post(b"")
            with contextlib.suppress(ExgenError, KeyboardInterrupt, RuntimeError):
                self._wait()

    def _post(self, message: bytes) -> None:
        """The message, after its length (processes forked since hold the pipe open
        too: the end of the message is not the end of the pipe)."""
        send, self._send = self._send, None
        try:
            with os.fdopen(send, "wb") as pipe:
                pipe.write(len(message).to_bytes(8, "big") + message)
        except BrokenPipeError:       # the process has failed: wait() says how
            pass


@contextlib.contextmanager
def prepared(prepare: Callable[[], None], work: Callable[[Any], None],
             yielding: bool = False) -> Iterator[Prepared]:
    """A process that runs `prepare()` now (its imports), then `work(data)` once this
    process gives it the data (Prepared.give: plain data, pickled through a pipe). If
    none is given by the end of the block (the build failed first), it leaves without
    working. Only the work `yields` (see start): the imports are done while this process
    is alone on its core, and are waited for."""
    if not hasattr(os, "fork"):
        yield Prepared(None, None, work, yielding)
        return
    receive, send = os.pipe()

    def waiting() -> None:
        os.close(send)
        prepare()
        with os.fdopen(receive, "rb") as pipe:
            size = int.from_bytes(pipe.read(8) or b"\0", "big")
            given = pipe.read(size) if size else b""
        if given:                     # nothing: the build failed before it had the data
            if yielding:
                os.nice(10)
            work(pickle.loads(given))

    wait = _forked(waiting, False)
    os.close(receive)
    job = Prepared(wait, send, work, yielding)
    try:
        yield job
    finally:
        job.cancel()
