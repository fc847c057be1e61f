"""The forked child that imports and runs a submission (untrusted side).

It runs with the warm worker's memory (torch imported, nothing secret), isolates
itself (:mod:`grader.sandbox.isolation`) before touching candidate code, then
loads the submission and runs each invocation, sending one frame per test over
the dedicated result pipe. Its stdout and stderr go to a capture pipe that the
worker caps; nothing printed is ever read as a result. It always ends with
``os._exit`` so that no cleanup code of the candidate's or of torch runs.
"""

from __future__ import annotations

import os
import sys

import torch

from grader.sandbox import guard, isolation
from grader.sandbox.channel import LOADED, RESULT, RESULT_TOO_LARGE, child_frame, write_all
from grader.sandbox.execute import execute
from grader.sandbox.loader import load_submission
from grader.sandbox.protocol import MessageTooLarge, ProtocolError, Unsupported, encode


def _send(fd: int, kind: bytes, index: int, value, limit: int) -> None:
    try:
        payload = encode(value, limit=limit)
    except MessageTooLarge as exc:
        payload = encode({"value": None, "grads": None, "param_grads": None, "mutated": [],
                          "stats": None, "error": {"type": RESULT_TOO_LARGE, "lines": [],
                                                   "message": f"the result is too large: {exc}",
                                                   "forbidden": None}})
    except ProtocolError as exc:
        value = dict(value)
        value["value"] = Unsupported(f"value that cannot be sent ({exc})")
        value["grads"] = value["param_grads"] = None
        payload = encode(value, limit=limit)
    write_all(fd, child_frame(kind, index, payload))


def _exit_error(exc: SystemExit, when: str) -> dict:
    return {"type": "SystemExit", "message": f"the code called sys.exit({exc.code!r}) {when}",
            "lines": [], "forbidden": None}


def run(job: dict, *, first: int, result_fd: int, output_fd: int, level: str, root: str,
        uid: int, hidden: list[str], weak_workdir: str | None) -> None:
    """Child main: never returns."""
    status = 0
    try:
        os.setsid()
        devnull = os.open("/dev/null", os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(output_fd, 1)
        os.dup2(output_fd, 2)
        torch.set_num_threads(1)  # a forked child must not use the parent's OpenMP pool
        limits = job["limits"]
        isolation.enter(
            level, root=root, hidden=hidden, uid=uid, weak_workdir=weak_workdir,
            limits=isolation.ChildLimits(
                cpu_seconds=int(limits["submission_timeout"]) + 1,
                memory_bytes=int(limits["memory_mb"]) * 1024 * 1024,
                max_processes=int(limits["max_processes"]),
                max_file_bytes=int(limits["max_written_bytes"]),
            ),
        )
        os.environ.update({"HOME": os.getcwd(), "TMPDIR": os.getcwd()})
        guard.install(job["forbidden"])
        filename = job["filename"]
        try:
            namespace, error = load_submission(job["source"], filename, job["symbols"])
        except SystemExit as exc:
            namespace, error = None, {"kind": "import_error", "lines": [],
                                      "message": _exit_error(exc, "while being imported")["message"]}
        limit = int(limits["max_result_bytes"])
        _send(result_fd, LOADED, first, {"error": error}, limit)
        if namespace is not None:
            for index in range(first, len(job["invocations"])):
                try:
                    outcome = execute(namespace, job["invocations"][index], filename=filename)
                except SystemExit as exc:
                    outcome = {"value": None, "grads": None, "param_grads": None, "mutated": [],
                               "stats": None, "error": _exit_error(exc, "during this test")}
                _send(result_fd, RESULT, index, outcome, limit)
    except BaseException as exc:  # isolation failed, or running out of a limit broke the runtime
        status = 70
        try:
            os.write(2, f"sandbox runtime failed: {type(exc).__name__}: {exc}\n".encode())
        except OSError:
            pass
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:
            pass
        os._exit(status)
