"""The Makefile's set-up: the main commands install what they run, and the test suite's
packages (pytest, lxml, Playwright …) come only with `make test`."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from conftest import ROOT


def dry_run(tmp_path, *target: str) -> str:
    """What make would run for a target on a machine with no virtual environment yet."""
    if shutil.which("make") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI=true but make is not installed: CI runs `make test`")
        pytest.skip("make is not installed (under CI=true this fails)")
    result = subprocess.run(["make", "-n", f"VENV={tmp_path / 'venv'}", *target], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    return result.stdout


@pytest.mark.parametrize("target", [["exams", "SEED=1"], ["export", "SEED=1"], ["site"],
                                    ["grade", "SEED=1", "ANSWERS=a.csv"], ["handouts"]])
def test_the_main_commands_install_no_test_packages(tmp_path, target):
    commands = dry_run(tmp_path, *target)
    installs = [line for line in commands.splitlines() if "pip install" in line]
    assert installs and all(line.rstrip().endswith("-e .") for line in installs), installs
    assert "[test]" not in commands and "chromium" not in commands


def test_make_test_installs_the_test_packages_and_the_browser(tmp_path):
    commands = dry_run(tmp_path, "test")
    assert "-e '.[test]'" in commands and "chromium" in commands
