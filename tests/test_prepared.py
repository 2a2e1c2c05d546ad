"""A writer's process started before its data is known (background.prepared): it does
its imports while the build draws the exam, works once given the data, and leaves
without working (waited for, no process left) when the build fails first. `exams` starts
the manifest's and answers workbook's writer so."""

from __future__ import annotations

import os
import select
from pathlib import Path

import pytest

from conftest import QUIZ, children, needs_proc, running
from generator import background
from generator.errors import ExgenError


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


def test_a_build_that_fails_first_leaves_no_prepared_process(tmp_path):
    needs_proc()
    before = children(os.getpid())
    with pytest.raises(ExgenError, match="bad spec"):
        with background.prepared(lambda: None, _write) as job:
            started = children(os.getpid()) - before
            assert len(started) == 1
            raise ExgenError("bad spec")
    assert not children(os.getpid()) & started         # it left, and was waited for
    assert list(tmp_path.iterdir()) == []
    assert job._send is None


def test_a_process_forked_meanwhile_does_not_hold_the_work_back(tmp_path):
    """A writer forked after the prepared one holds its pipe open too: the work is done
    when its data has come, while that writer still runs."""
    needs_proc()
    release, hold = os.pipe()
    with background.prepared(lambda: None, _write) as job:
        before = children(os.getpid())
        blocked = background.start(lambda: select.select([release], [], [], 30))
        (other,) = children(os.getpid()) - before
        job.give({"target": str(tmp_path / "out.txt"), "text": "given"})()
        assert (tmp_path / "out.txt").read_text() == "given-"
        assert running(other)               # still waiting for its release
        os.write(hold, b"go")
        blocked()
    os.close(release)
    os.close(hold)


def test_exams_stopped_by_bad_input_leaves_no_writer_and_no_output(run, tmp_path):
    needs_proc()
    before = children(os.getpid())
    out = tmp_path / "out"
    result = run("exams", "--seed", 1, "--students", 2, "--spec", QUIZ, "--lang", "xx",
                 "--format", "md", "--out", out)
    assert result.code == 2 and "xx" in result.err
    assert not children(os.getpid()) - before
    assert not out.exists()
