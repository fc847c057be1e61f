"""Standard output closed, full or cut short by its reader: never a traceback, and a status that says so.

:func:`grader.console.run` owns the end of every command: these tests run the
real command line, as a shell would, with each kind of broken standard output.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "ATTN_JUDGE_LANG": "en"}
COMMAND = [sys.executable, "-m", "grader.cli"]
COMMANDS = [("list",), ("show", "scaled_dot_product_attention")]


def _closed_stdout(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """``attn-judge ARGS >&-``."""
    return subprocess.run(["bash", "-c", 'exec "$@" >&-', "bash", *COMMAND, *args], cwd=cwd, env=ENV,
                          stderr=subprocess.PIPE, text=True, timeout=300)


@pytest.mark.parametrize("args", COMMANDS)
def test_a_closed_stdout_leaves_the_command_its_run_and_its_status(args):
    run = _closed_stdout(*args)
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr


def test_a_closed_stdout_keeps_an_error_and_its_status_and_the_files_written(tmp_path):
    run = _closed_stdout("show", "nope")
    assert run.returncode == 2 and run.stderr.startswith("Error: unknown problem 'nope'"), run.stderr
    assert "Traceback" not in run.stderr
    run = _closed_stdout("start", "self_attention", "--dir", str(tmp_path))
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    assert (tmp_path / "self_attention.py").is_file()


@pytest.mark.parametrize("args", COMMANDS)
def test_a_full_stdout_is_one_line_on_stderr_and_status_2(args):
    with open("/dev/full", "w") as full:
        run = subprocess.run([*COMMAND, *args], cwd=ROOT, env=ENV, stdout=full, stderr=subprocess.PIPE,
                             text=True, timeout=300)
    assert run.returncode == 2, run.stderr
    assert run.stderr.splitlines() == ["Error: cannot write to standard output: No space left on device"]


def test_a_full_stdout_is_told_in_the_users_language():
    with open("/dev/full", "w") as full:
        run = subprocess.run([*COMMAND, "list"], cwd=ROOT, env={**ENV, "ATTN_JUDGE_LANG": "zh"}, stdout=full,
                             stderr=subprocess.PIPE, text=True, timeout=300)
    assert run.returncode == 2 and run.stderr.startswith("错误：无法写入标准输出："), run.stderr
    assert len(run.stderr.splitlines()) == 1


@pytest.mark.parametrize("args", [*COMMANDS, ("show", "multi_head_attention")])
def test_a_reader_that_quits_ends_the_command_quietly_with_status_141(args):
    process = subprocess.Popen([*COMMAND, *args], cwd=ROOT, env=ENV, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    process.stdout.close()  # the reader is gone before the command writes its first word
    _, err = process.communicate(timeout=300)
    assert process.returncode == 141, err
    assert err == ""
