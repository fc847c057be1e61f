"""Ctrl-C is never lost: not inside torch's import (where C++ may swallow the KeyboardInterrupt
Python raises, and the command then ran to its end with exit code 0), not in a class run whose
exception went astray, and not by the sandbox processes, which a terminal's Ctrl-C no longer
reaches (the command alone decides what is saved)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from grader import interrupts, registry
from grader.bounded import Helper
from grader.references import solution_source
from grader.services import grade_class
from grader.zygote_launch import launch
from tests.report_samples import TrustedExecutor

# Code that swallows whatever is raised inside it, as C++ that calls back into Python may: a
# Ctrl-C that comes while it runs, while the service layer (torch with it) is imported.
SWALLOWING_IMPORT = textwrap.dedent("""
    import os, signal, sys
    from grader import cli

    class Swallower:
        def find_spec(self, name, path=None, target=None):
            if name == "grader.services":
                try:
                    os.kill(os.getpid(), signal.SIGINT)
                    for _ in range(100000):
                        pass
                except BaseException:
                    print("swallowed")
            return None

    sys.meta_path.insert(0, Swallower())
    try:
        cli._services()
        print("ran on")
    except KeyboardInterrupt:
        print("interrupted")
""")


def test_a_ctrl_c_while_torch_is_imported_stops_the_command_once_the_import_ends():
    done = subprocess.run([sys.executable, "-c", SWALLOWING_IMPORT], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["interrupted"], done.stdout


def test_a_class_run_whose_ctrl_c_went_astray_stops_before_the_next_submission(tmp_path):
    """The stop handler records the request before it raises: the class run checks it between
    submissions, so a KeyboardInterrupt lost in C++ code still ends the run as interrupted."""
    klass, out = tmp_path / "class", tmp_path / "out"
    source = solution_source(registry.get("scaled_dot_product_attention"))
    for student in ("ana", "ben", "cho", "dev"):
        path = klass / student / "scaled_dot_product_attention.py"
        path.parent.mkdir(parents=True)
        path.write_text(source, encoding="utf-8")
    executor = TrustedExecutor()
    try:
        _, summary = grade_class(root=klass, out=out, executor=executor, reports=False,
                                 on_progress=lambda entry: interrupts.request())  # its exception lost
    finally:
        interrupts.reset()
    assert summary.interrupted
    # the first result's progress asked to stop, while at most one more was sent: none after it
    assert len(executor.requests) <= 2 and len(list(out.glob("*/*/results.json"))) <= 2
    assert (out / "gradebook.csv").is_file()  # what is finished is saved, as after any Ctrl-C


def test_the_sandbox_and_helper_processes_are_out_of_reach_of_a_terminals_ctrl_c():
    """A terminal sends Ctrl-C to its foreground process group: the zygotes (and the children they
    fork) and the report helpers run in sessions of their own, so that only the command gets it."""
    zygote = launch(quick_start=True)
    helper = Helper(memory_mb=256)
    try:
        for pid in (zygote.proc.pid, helper.proc.pid):
            assert os.getsid(pid) == pid and os.getpgid(pid) != os.getpgid(0)
    finally:
        zygote.abandon()
        helper.kill()
        zygote.proc.wait(timeout=60)
        helper.proc.wait(timeout=60)
