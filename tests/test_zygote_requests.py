"""The zygote's request loop when a request fails half-way: nothing it handed on is closed twice,
and no child runs untracked.

The zygote is built in a separate interpreter (importing its module sets torch's thread count for
the whole process), with a weak setup and its system calls replaced where the failure is made.
"""

import json
import subprocess
import sys
import textwrap

from grader.datapaths import package_dir

SCRIPT = textwrap.dedent("""
    import json, os, socket, subprocess, sys
    from grader.sandbox import zygote
    from grader.sandbox.isolation import WEAK, Setup

    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    z = zygote.Zygote(theirs, Setup(level=WEAK, uid=os.getuid(), weak_workdirs=sys.argv[1]))
    sleeper = subprocess.Popen(["sleep", "60"])
    reused = []

    def failing_pidfd_open(pid):
        reused.append(os.open(os.devnull, os.O_RDONLY))  # takes a number the fork just freed
        raise OSError(24, "Too many open files")

    zygote.os.fork = lambda: sleeper.pid  # the child "forked" is this sleeper
    zygote.os.pidfd_open = failing_pidfd_open
    ends = [end for _ in range(2) for end in os.pipe()][:3]
    limits = {"cpu_seconds": 5, "memory_bytes": 1 << 28, "max_processes": 4, "max_file_bytes": 1 << 20}
    z._answer({"op": "fork", "req": 7, "limits": limits}, list(ends))
    reply = json.loads(ours.recv(65536))

    def is_open(fd):
        try:
            os.fstat(fd)
            return True
        except OSError:
            return False

    print(json.dumps({"reply": reply, "reused_still_open": is_open(reused[0]),
                      "child_gone": not os.path.exists(f"/proc/{sleeper.pid}"), "tracked": z.child is not None}))
""")


def test_a_fork_that_cannot_be_tracked_kills_its_child_and_closes_each_descriptor_once(tmp_path):
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], capture_output=True, text=True,
                          timeout=120, cwd=package_dir().parent)
    assert done.returncode == 0, done.stderr[-2000:]
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    assert facts["reply"]["op"] == "failed" and facts["reply"]["req"] == 7
    assert "Too many open files" in facts["reply"]["error"]
    assert facts["reused_still_open"], "a descriptor number freed by the fork was closed a second time"
    assert facts["child_gone"], "the child the zygote could not track is still running"
    assert not facts["tracked"]
