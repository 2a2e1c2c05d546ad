"""A writer's process started before its data is known (background.prepared): it does
its imports while the build draws the exam, works once given the data, and leaves
without working (waited for, no process left) when the build fails first. `exams` starts
the manifest's and answers workbook's writer so."""

from __future__ import annotations

import os
import select
from pathlib import Path

import pytest

from conftest import QUIZ
from generator import background
from generator.errors import ExgenError


def _children() -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{os.getpid()}/task").glob("*"):
        try:
            found |= {int(c) for c in (task / "children").read_text().split()}
        except OSError:
            pass
    return found


def _running(pid: int) -> bool:
    """Alive, and not a zombie waiting to be waited for."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


needs_proc = pytest.mark.skipif(not Path("/proc/self/task").is_dir(),
                                reason="needs Linux's /proc (CI has it)")


def _write(data: dict) -> None:
    Path(data["target"]).write_text(data["text"] + os.environ.get("PREPARED", "-"))


def test_prepared_work_runs_with_its_data_after_its_preparation(tmp_path, monkeypatch):
    monkeypatch.setenv("PREPARED", "")
    with background.prepared(lambda: os.environ.update(PREPARED="+prepared"),
                             _write) as job:
        wait = job.give({"target": str(tmp_path / "out.txt"), "text": "given"})
        wait()
    assert (tmp_path / "out.txt").read_text() == "given+prepared"


def test_prepared_work_reports_a_users_error_as_one(tmp_path):
    def fails(data):
        raise ExgenError(f"no such thing in {data}")

    with background.prepared(lambda: None, fails) as job:
        wait = job.give("the data")
        with pytest.raises(ExgenError, match="^no such thing in the data$"):
            wait()


@needs_proc
def test_a_build_that_fails_first_leaves_no_prepared_process(tmp_path):
    before = _children()
    with pytest.raises(ExgenError, match="bad spec"):
        with background.prepared(lambda: None, _write) as job:
            started = _children() - before
            assert len(started) == 1
            raise ExgenError("bad spec")
    assert not _children() & started         # it left, and was waited for
    assert list(tmp_path.iterdir()) == []
    assert job._send is None


@needs_proc
def test_a_process_forked_meanwhile_does_not_hold_the_work_back(tmp_path):
    """A writer forked after the prepared one holds its pipe open too: the work is done
    when its data has come, while that writer still runs."""
    release, hold = os.pipe()
    with background.prepared(lambda: None, _write) as job:
        before = _children()
        blocked = background.start(lambda: select.select([release], [], [], 30))
        (other,) = _children() - before
        job.give({"target": str(tmp_path / "out.txt"), "text": "given"})()
        assert (tmp_path / "out.txt").read_text() == "given-"
        assert _running(other)               # still waiting for its release
        os.write(hold, b"go")
        blocked()
    os.close(release)
    os.close(hold)


@needs_proc
def test_exams_stopped_by_bad_input_leaves_no_writer_and_no_output(run, tmp_path):
    before = _children()
    out = tmp_path / "out"
    result = run("exams", "--seed", 1, "--students", 2, "--spec", QUIZ, "--lang", "xx",
                 "--format", "md", "--out", out)
    assert result.code == 2 and "xx" in result.err
    assert not _children() - before
    assert not out.exists()
