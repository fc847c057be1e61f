"""The installed ``attn-judge`` ends as soon as the command is done, and loses nothing by it.

:func:`grader.console.run` skips the interpreter's teardown: these tests pin
that every word is still written, the status is the command's, every thread
and exit handler still finishes first, and ``sys.exit``'s codes mean what
they mean in Python.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from grader.console import exit_status

ROOT = Path(__file__).resolve().parents[1]


def _installed() -> str:
    installed = Path(sys.executable).parent / "attn-judge"  # the command of this environment
    command = str(installed) if installed.is_file() else shutil.which("attn-judge")
    assert command, "attn-judge is not installed: run 'make install' (it creates .venv/bin/attn-judge)"
    return command


def _plain(*args: str) -> subprocess.CompletedProcess:
    """The same command through click alone, ending the usual way."""
    code = "import sys; from grader.cli import main; sys.argv[0] = 'attn-judge'; main()"
    return subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize("args", [
    ("list", "--json"),                       # a long answer on stdout
    ("show", "multi_head_attention", "--lang", "zh"),
    ("check", "no_such_file.py"),             # an error: its message and status 2
    ("no-such-command",),
])
def test_the_installed_command_says_and_returns_what_the_command_does(args):
    run = subprocess.run([_installed(), *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    plain = _plain(*args)
    assert (run.returncode, run.stdout, run.stderr) == (plain.returncode, plain.stdout, plain.stderr)
    assert run.stdout or run.stderr


def test_threads_pools_exit_handlers_and_buffered_words_finish_before_the_process_ends(tmp_path):
    script = textwrap.dedent(f"""
        import atexit, sys, threading, time
        from concurrent.futures import ThreadPoolExecutor
        from pathlib import Path
        from grader import console

        out = Path({str(tmp_path)!r})
        returned = threading.Event()  # set once the command is over: the work below comes after it
        def late(name):
            returned.wait()
            time.sleep(0.5)
            (out / name).write_text("done")
        threading.Thread(target=late, args=("thread",)).start()
        ThreadPoolExecutor(max_workers=1).submit(late, "pool")  # never shut down by its owner
        atexit.register(lambda: (out / "handler").write_text("done"))
        atexit.register(print, "a last word, left in the buffer", end="")
        from grader.cli import main as command
        def main():
            try:
                command()
            finally:
                returned.set()
        sys.argv = ["attn-judge", "list"]
        console.run(main)
    """)
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "multi_head_attention" in run.stdout and run.stdout.endswith("a last word, left in the buffer")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["handler", "pool", "thread"]


def test_exit_codes_mean_what_they_mean_to_python(capsys):
    assert [exit_status(None), exit_status(0), exit_status(2), exit_status(130)] == [0, 0, 2, 130]
    assert [exit_status(256), exit_status(-1), exit_status(True)] == [0, 255, 1]
    assert exit_status("the message") == 1 and capsys.readouterr().err == "the message\n"


def test_the_process_ends_without_the_interpreters_teardown(tmp_path):
    # an object whose finalizer would run in the teardown: the process must not wait for it
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from grader import console

        class Slow:
            def __del__(self):
                Path({str(tmp_path / "teardown")!r}).write_text("ran")
        kept = Slow()
        sys.argv = ["attn-judge", "list"]
        console.run()
    """)
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert run.returncode == 0, run.stderr
    assert not (tmp_path / "teardown").exists()


def test_ctrl_c_after_the_command_has_had_its_say_ends_it_as_interrupted_without_a_traceback():
    """A Ctrl-C that arrives while the last threads finish (a second one after a class run was
    stopped): exit code 130, no traceback."""
    script = textwrap.dedent("""
        import os, signal, sys, threading, time
        from grader import console

        def slow():
            time.sleep(3)
        threading.Thread(target=slow).start()
        def command():
            threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
            sys.exit(0)
        console.run(command)
    """)
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 130 and "Traceback" not in run.stderr, run.stderr
