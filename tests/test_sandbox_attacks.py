"""The trust boundary, proved by attacking it: each test is a hostile submission.

Every attack runs through the real sandbox (warm workers, forked isolated
children) on problem 1's hidden tests, and asserts the promise it attacks.
"""

from __future__ import annotations

import ast
import json
import os
import re
import socket
import sys
import threading
import time

from pathlib import Path

import pytest
import torch

from grader import pool as pool_module
from grader import registry
from grader.datapaths import data_root, package_dir, solutions_dir
from grader.datapaths import answer_folders
from grader.grading import Suite, grade
from grader.jsonio import dumps
from grader.pool import SandboxPool
from grader.references import solution_source
from grader.sandbox.isolation import STRONG, base_level
from grader.sandbox.limits import Limits
from tests.sandboxing import FAST_LIMITS, SANDBOX_UIDS, attack_source, outputs, sandbox_processes

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

PROBLEM = registry.get("scaled_dot_product_attention")


@pytest.fixture(scope="module")
def suite():
    return Suite(PROBLEM).prepare()


@pytest.fixture
def run(pool, suite):
    def run_source(source: str, limits=FAST_LIMITS) -> dict:
        return grade(problem=PROBLEM, source=source, filename="scaled_dot_product_attention.py",
                     runner=pool, suite=suite, limits=limits)

    def run_attack(name: str, **fill) -> dict:
        return run_source(attack_source(name, **fill))

    run_attack.source = run_source
    return run_attack


def _kind(results):
    return (results["extra_data"]["error"] or {}).get("kind")


def test_strongest_isolation_is_in_force(pool, run):
    # The machines the project runs on (and CI) are root with namespaces available.
    assert base_level(pool.level) == STRONG, pool.fallback_reason
    results = run.source(solution_source(PROBLEM))
    assert results["score"] == results["max_score"]
    assert results["extra_data"]["isolation"] == pool.level


def test_patching_comparisons_changes_nothing_for_the_grader(run):
    results = run("patch_comparisons")
    assert results["score"] == 0
    assert all(t["status"] == "failed" for t in results["tests"])
    # The trusted process's own torch is untouched.
    assert not torch.allclose(torch.zeros(2), torch.ones(2))
    assert torch.Tensor.__eq__ is not None and not bool((torch.zeros(1) == torch.ones(1)).all())


def test_sys_exit_at_import_is_an_import_error(run):
    results = run("exit_at_import")
    assert _kind(results) == "import_error"
    assert "sys.exit" in results["extra_data"]["error"]["message"]


def test_os_exit_at_import_is_a_crash(run):
    results = run("os_exit_at_import")
    assert _kind(results) == "crash" and results["score"] == 0


def test_sys_exit_in_the_function_fails_each_test(run):
    results = run("exit_in_function")
    assert results["score"] == 0
    assert all("sys.exit" in t["output"] for t in results["tests"])


def test_os_exit_in_the_function_is_a_crash_and_grading_goes_on(run):
    results = run("os_exit_in_function")
    assert _kind(results) == "crash"
    assert "exited with status 0" in results["tests"][0]["output"]
    assert all(t["status"] == "failed" for t in results["tests"])


@pytest.mark.parametrize("attack", ["infinite_loop", "sleeper"])
def test_a_hang_is_stopped_and_the_rest_score_zero(run, attack):
    results = run(attack)
    assert _kind(results) == "timeout"
    first, *rest = results["tests"]
    assert "no answer within 2 s" in first["output"]
    assert all("not run: an earlier test timed out" in t["output"] for t in rest)
    assert not sandbox_processes()


def test_memory_bomb_hits_the_memory_limit(run):
    results = run("memory_bomb")
    assert _kind(results) == "memory_limit"
    assert results["score"] == 0


def test_fork_bomb_is_contained_and_cleaned_up(run):
    results = run("fork_bomb")
    assert results["score"] == 0
    assert _kind(results) in ("timeout", "resource_limit", "crash")
    assert not sandbox_processes()


def test_disk_filling_stops_at_the_byte_cap(run):
    results = run("disk_filler")
    text = outputs(results)
    assert "without hitting a limit" not in text
    assert _kind(results) == "resource_limit" or "too large" in text or "No space" in text


def test_cannot_read_solutions_hidden_cases_or_other_files(run, tmp_path):
    other = tmp_path / "bob" / "scaled_dot_product_attention.py"
    other.parent.mkdir()
    other.write_text("secret = 1\n")
    targets = "|".join([
        str(solutions_dir() / "scaled_dot_product_attention.py"),
        str(package_dir() / "hidden" / "scaled_dot_product_attention.py"),
        str(package_dir() / "references.py"),
        str(data_root() / "problems"),
        str(data_root()),
        str(other),
        os.getcwd(),
    ])
    results = run("snoop_files", TARGETS=targets)
    output = results["tests"][0]["output"]
    found = ast.literal_eval(output.split("FOUND=", 1)[1].split(" (line", 1)[0])
    # What the child may see (the sandbox's modules, the interpreter, torch and numpy) is mounted
    # at its real path; where the project lives under /tmp (the child's scratch), the folders
    # above those mounts can be listed, and may hold nothing but the way down to them.
    allowed: dict[str, set[str]] = {}
    for mount in (package_dir() / "sandbox", Path(sys.prefix), Path(torch.__file__).parent):
        for child in [mount, *mount.parents]:
            if child != child.parent:
                allowed.setdefault(str(child.parent).rstrip("/"), set()).add(child.name)
    for entry in found:
        folder, _, names = entry.partition("/:")
        assert _ and set(filter(None, names.split(","))) <= allowed.get(folder, set()), output


def test_memory_holds_no_reference_case_or_expected_value(run):
    results = run("snoop_memory")
    assert "FOUND=[]" in results["tests"][0]["output"], results["tests"][0]["output"]


def test_forged_output_is_never_read_as_a_result(run):
    results = run("forged_output")
    assert results["score"] == 0
    assert '"score": 100' in results["extra_data"]["output"]  # captured, shown as text only


def test_no_network_even_to_loopback(run):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.2)
    received = []

    def accept():
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            try:
                conn, _ = server.accept()
                received.append(conn.recv(10))
            except OSError:
                continue

    listener = threading.Thread(target=accept)
    listener.start()
    try:
        results = run("network", PORT=str(server.getsockname()[1]))
    finally:
        listener.join()
        server.close()
    assert "NO NETWORK" in results["tests"][0]["output"]
    assert received == []


def test_a_segfault_costs_only_the_tests_it_hits(run):
    results = run("segfault")
    masked = [t for t in results["tests"] if "mask" in t["tags"]]
    unmasked = [t for t in results["tests"] if "mask" not in t["tags"]]
    assert any("SIGSEGV" in t["output"] for t in masked)
    assert any(t["status"] == "passed" for t in unmasked)
    assert 0 < results["score"] < results["max_score"]


def test_flooding_stdout_hits_the_output_cap(run):
    results = run("flood_stdout")
    assert _kind(results) == "output_limit"
    assert results["extra_data"]["output_truncated"]
    assert len(results["extra_data"]["output"]) <= 64 * 1024


# prints nearly the whole output allowance when it loads, then a few bytes more at its first masked call
PRINTS_PAST_THE_LIMIT_AT_A_MASK = """
import sys
print("x" * (1024 * 1024 - 1000), flush=True)
MASKED_CALLS = []

def scaled_dot_product_attention(q, k, v, mask=None):
    if mask is not None and not MASKED_CALLS:
        MASKED_CALLS.append(1)
        print("debugging the mask " * 100)
    scores = q @ k.transpose(-2, -1) / q.shape[-1] ** 0.5
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    weights = scores.softmax(-1)
    return weights @ v, weights
"""


def test_printing_past_the_output_limit_costs_that_test_and_those_after_it_only(run):
    """Output is limited over a submission's tests. The test that printed past the limit fails
    (not the next one, whichever channel the grader read first), the tests after it are not run,
    and those before keep their points: once a submission that prints when it loads was scored 0
    for all, "while loading the submission", because each new child printed past the limit again."""
    results = run.source(PRINTS_PAST_THE_LIMIT_AT_A_MASK, limits=Limits())  # no test near its time limit
    tests = results["tests"]
    crossed = next(i for i, t in enumerate(tests) if "mask" in t["tags"])
    assert 0 < crossed < len(tests) - 1
    assert all(t["status"] == "passed" for t in tests[:crossed]), [t["output"] for t in tests[:crossed]]
    assert "printed more than 1048576 bytes" in tests[crossed]["output"], tests[crossed]["output"]
    assert all("not run: an earlier test printed past the submission's output limit" in t["output"]
               for t in tests[crossed + 1:]), [t["output"] for t in tests[crossed + 1:]]
    assert 0 < results["score"] < results["max_score"]
    assert _kind(results) == "output_limit" and "while loading" not in dumps(results)


FORGED_LINES = ("✓ 1.1 forged  (1/1)", "Scaled dot-product attention: passed 18 of 18 tests, 13.5/13.5 points.")


def test_an_exception_message_cannot_pass_for_the_graders_own_lines(run):
    """A message of many lines (blank ones, a forged passing test, a forged summary) stays the
    message's: its blank lines dropped, its lines after the first marked as its own, few of them."""
    forged = "\\n".join(("wrong", *FORGED_LINES, *[""] * 60, *[f"line {i}" for i in range(40)]))
    results = run.source(f"def scaled_dot_product_attention(q, k, v, mask=None):\n    raise ValueError('{forged}')\n")
    output = results["tests"][0]["output"]
    lines = output.splitlines()
    assert "raised ValueError: wrong" in lines[0]
    assert [line for line in lines if FORGED_LINES[0] in line] == [f"  | {FORGED_LINES[0]}"]
    assert [line for line in lines if FORGED_LINES[1] in line] == [f"  | {FORGED_LINES[1]}"]
    assert "" not in lines and "line 39" not in output and len(lines) < 15, output


def test_thread_bomb_is_limited_to_the_submissions_own_allowance(run):
    results = run("thread_bomb")
    text = results["tests"][0]["output"]
    started = int(text.split("THREADS=")[1].split()[0])
    # Exactly its allowance of processes and threads, its own main thread included:
    # the sandbox's own threads (the zygote forks from one) are not taken from it.
    assert started == FAST_LIMITS.max_processes - 1


def test_forbidden_api_reached_dynamically_is_caught_at_run_time(run):
    results = run("forbidden_dynamic")
    assert _kind(results) == "forbidden_api"
    assert "torch.nn.functional.scaled_dot_product_attention" in results["extra_data"]["error"]["message"]
    assert results["score"] == 0


def test_forbidden_api_called_directly_is_refused_statically(run):
    results = run("forbidden_static")
    assert _kind(results) == "forbidden_api"
    assert "line 6" in results["extra_data"]["error"]["message"]
    assert results["score"] == 0


SELF_TEST = """

if __name__ == "__main__":  # the learner's own check against torch: never run when graded
    import torch.nn.functional as F
    q = k = v = torch.randn(2, 3, 4)
    print(F.scaled_dot_product_attention(q, k, v))
"""


def test_a_self_test_against_the_forbidden_api_under_a_main_guard_is_not_a_use(run):
    results = run.source(solution_source(PROBLEM) + SELF_TEST)
    assert _kind(results) is None and results["score"] == results["max_score"]


def test_a_main_guard_that_runs_anyway_meets_the_run_time_guard(run):
    source = solution_source(PROBLEM) + "\n__name__ = '__main__'\nimport torch" + SELF_TEST
    results = run.source(source)
    error = results["extra_data"]["error"]  # raised while the file was imported
    assert error["kind"] == "import_error" and results["score"] == 0
    assert "ForbiddenAPIError" in error["message"] and "scaled_dot_product_attention" in error["message"]


def test_markup_in_output_and_exceptions_is_kept_as_plain_text(run):
    results = run("html_injection")
    assert "<script>" in results["extra_data"]["output"]
    assert "</pre><script>" in results["tests"][0]["output"]


def test_text_no_utf8_file_can_hold_is_written_as_replacement_characters(run):
    results = run("unpaired_surrogates")
    assert results["extra_data"]["error"] is None and results["score"] == 0
    assert any("bad input \ufffd and \ufffd" in test["output"] for test in results["tests"])
    dumps(results).encode("utf-8")  # as results.json is written


def test_characters_a_terminal_obeys_are_escaped_in_the_json_written(run):
    """results.json (and ``grade --json`` on stdout) hold C1 controls, DEL and bidirectional
    overrides as \\u escapes, so printing the file obeys none of them; the text read back is the same."""
    results = run("terminal_controls")
    text = dumps(results)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029\u200b\ufeff"
                         "\U000e0000-\U000e007f]", text)
    assert "\\u200b\\ufeff\\udb40\\udc41end" in text  # a tag character as JSON's surrogate pair
    assert "\\u009b31m\\u009d0;pwned" in text and "\\u202edesrever" in text
    assert json.loads(text) == json.loads(json.dumps(results))


def test_a_huge_result_is_refused(run):
    results = run("huge_result")
    assert _kind(results) == "output_limit"
    assert results["score"] == 0


def test_a_result_in_another_layout_costs_only_its_tests(run):
    """A sparse tensor cannot cross the wire: those tests fail saying what was returned, the child
    goes on, and the other tests pass."""
    results = run("sparse_result")
    assert results["extra_data"]["error"] is None, results["extra_data"]["error"]
    sparse = [t for t in results["tests"] if "sparse" in t["output"]]
    assert sparse and all(t["status"] == "failed" for t in sparse)
    assert any(t["status"] == "passed" for t in results["tests"])


def test_results_too_large_together_stop_the_submission(run):
    results = run("large_results")
    assert _kind(results) == "output_limit" and results["score"] == 0
    assert "returned more than 64 MiB of results over its tests" in results["extra_data"]["error"]["message"]
    outputs = [test["output"] for test in results["tests"]]
    assert sum("results were too large together" in output for output in outputs) >= len(outputs) - 4


def test_without_a_pid_namespace_signals_reach_only_the_own_group(suite):
    # weak isolation (as root on CI: its children run as root, and see every process); signal 0
    # delivers nothing, so this asks the kernel what a kill(-1, SIGKILL) could have reached
    with SandboxPool(1, force_weak=True) as weak:
        results = grade(problem=PROBLEM, source=attack_source("signal_reach"), filename=f"{PROBLEM.id}.py",
                        runner=weak, suite=suite, limits=FAST_LIMITS)
    reach = outputs(results)
    assert "reach all=operation parent=operation group=ok thread=operation" in reach, reach


def test_weak_isolation_as_root_gives_up_root(suite, tmp_path):
    """Without namespaces a root grader's children still run under a private unprivileged uid: they
    cannot write the grader's files, their process cap holds, and nothing they start survives.
    (A grader that is not root has no root to give up: its children run as its own user.)"""
    outside = tmp_path / "grader-owned.txt"
    with SandboxPool(1, force_weak=True) as weak:
        assert weak.level.startswith("weak+uid") == (os.getuid() == 0), (weak.level, weak.fallback_reason)
        results = grade(problem=PROBLEM, source=attack_source("weak_root", OUTSIDE=str(outside)),
                        filename=f"{PROBLEM.id}.py", runner=weak, suite=suite, limits=FAST_LIMITS)
    printed = results["extra_data"]["output"]
    started = int(printed.split("started ", 1)[1].split()[0])
    assert started < FAST_LIMITS.max_processes, printed
    uid = int(printed.split("uid=", 1)[1].split()[0])
    if os.getuid() != 0:
        assert uid == os.getuid(), printed
        return
    assert uid in SANDBOX_UIDS, printed
    assert "outside: PermissionError" in printed and not outside.exists()
    time.sleep(2)  # the daemon would write after 1.5 s
    assert not Path(f"{outside}.daemon").exists() and not sandbox_processes()


def test_a_weak_sandbox_changes_no_folder_s_mode_until_it_runs_a_submission(suite, monkeypatch):
    """A run that refuses weak isolation starts the sandbox, learns its level and closes it: the
    answers' folders (a learner's or instructor's own checkout) keep their modes. Only a weak
    sandbox whose children have a uid of their own makes them private, before its first child."""
    made_private = []
    monkeypatch.setattr(pool_module, "keep_answers_private", lambda: made_private.append(True))
    with SandboxPool(1, force_weak=True) as weak:
        assert weak.level.startswith("weak") and made_private == []
        results = grade(problem=PROBLEM, source=solution_source(PROBLEM), filename=f"{PROBLEM.id}.py",
                        runner=weak, suite=suite, limits=FAST_LIMITS)
        assert results["score"] == results["max_score"]
        has_own_uid = weak._all[0].private_uid is not None
    assert made_private == ([True] if has_own_uid else []), (weak.level, made_private)
    assert has_own_uid == (os.getuid() == 0)


def test_under_weak_isolation_a_platform_run_keeps_the_answers_out_of_reach(suite):
    """Gradescope and PrairieLearn install the package readable by every user; a sandbox at the weak
    level makes its answers private as it starts, so a submission there (a uid of its own) cannot
    read a reference solution, a hidden test or a misconception reference."""
    folders = answer_folders()
    modes = [folder.stat().st_mode for folder in folders]
    answers = [next(folder.glob("*.py")) for folder in folders]
    try:
        with SandboxPool(1, force_weak=True) as weak:
            attack = attack_source("weak_reads_answers", ANSWERS="|".join(map(str, answers)))
            results = grade(problem=PROBLEM, source=attack, filename=f"{PROBLEM.id}.py", runner=weak, suite=suite,
                            limits=FAST_LIMITS)
            # the default limits: a busy machine must not fail the reference on time
            again = grade(problem=PROBLEM, source=solution_source(PROBLEM), filename=f"{PROBLEM.id}.py",
                          runner=weak, suite=suite)
    finally:
        for folder, mode in zip(folders, modes):
            folder.chmod(mode)
    printed = results["extra_data"]["output"]
    if os.getuid() != 0:  # a grader that is not root runs its children as its own user: no uid apart
        assert weak.level.startswith("weak") and "read " in printed, printed
        return
    assert all(f"refused {path.name}: PermissionError" in printed for path in answers), printed
    # the grader itself still reads them
    assert again["score"] == again["max_score"], (again["extra_data"]["error"], outputs(again))


def test_forged_frames_never_count_and_the_grader_stays_up(run):
    results = run("forged_frames")
    assert results["score"] == 0
    assert all(t["status"] == "failed" for t in results["tests"])
    again = run.source(solution_source(PROBLEM))
    assert again["score"] == again["max_score"]


# looks for the zygote's warm-up code, whose generic attention would pass for its own
FIND_THE_WARM_UP = """
import gc
import importlib


def scaled_dot_product_attention(q, k, v, mask=None):
    found = []
    for name in ("grader.warmup", "grader.sandbox.warmup"):
        try:
            importlib.import_module(name)
            found.append(name)
        except ImportError:
            pass
    found += [repr(o)[:80] for o in gc.get_objects() if "warmup" in str(getattr(o, "__module__", ""))][:5]
    raise RuntimeError(f"FOUND {found}")
"""


def test_the_zygotes_warm_up_code_is_out_of_a_submissions_reach(run, pool):
    """The zygote warms its children's paths up with a generic attention; a submission imported it
    (grader.sandbox.warmup) and called it for full marks. It is neither importable nor in memory."""
    assert base_level(pool.level) == STRONG  # in a weak sandbox the whole file system is readable
    output = run.source(FIND_THE_WARM_UP)["tests"][0]["output"]
    assert "raised RuntimeError: FOUND []" in output, output


def test_a_frame_forged_while_loading_is_said_to_misuse_the_result_channel(run):
    results = run("forged_frame_at_import")
    assert results["score"] == 0 and _kind(results) == "crash"
    message = results["extra_data"]["error"]["message"]
    assert ("something other than this test's result reached the grader's result channel (a result before the "
            "submission had loaded)") in message, message


def _reported_as_the_submissions(results) -> None:
    """Nothing blames the sandbox: no runtime failure, no repeated crash, no malformed result."""
    text = outputs(results)
    for blame in ("sandboxed process failed", "crashed repeatedly", "malformed"):
        assert blame not in text, text


def test_values_no_result_can_carry_cost_only_their_own_tests(run):
    results = run("unsendable_values")
    assert results["extra_data"]["error"] is None, results["extra_data"]["error"]
    _reported_as_the_submissions(results)
    first, second, third, fourth, *rest = [t["output"] for t in results["tests"]]
    assert first.startswith("output[0]: expected a tensor, got a nested tensor, which cannot be graded"), first
    beyond = "expected a tensor, got a Python int beyond the int64 range, which cannot be graded"
    assert beyond in second and beyond in third, (second, third)
    assert "got list of 1" in fourth or "nested more than 8 levels deep" in fourth, fourth
    assert all(t["status"] == "passed" for t in results["tests"][4:]), rest


def test_values_that_lie_about_their_own_type_cost_only_their_own_tests(run):
    results = run("lying_values")
    assert results["extra_data"]["error"] is None, results["extra_data"]["error"]
    _reported_as_the_submissions(results)
    huge, spilling, long, shared, pretends, *rest = results["tests"]
    assert "got a Python int beyond the int64 range, which cannot be graded" in huge["output"], huge
    assert "expected a tensor, got list of 3" in spilling["output"], spilling  # its own items, not 200,000
    assert "expected a tensor, got a str object" in long["output"], long
    assert "more than 10000 numbers, strings, lists and tuples, which cannot be graded" in shared["output"], shared
    assert pretends["output"].startswith("raised Pretends: I am the guard"), pretends
    assert [t["status"] for t in (huge, spilling, long, shared, pretends)] == ["failed"] * 5
    assert rest and all(t["status"] == "passed" for t in rest), rest


def test_hostile_exception_classes_are_each_their_own_test_s_feedback(run):
    results = run("hostile_exception_classes")
    assert results["extra_data"]["error"] is None, results["extra_data"]["error"]
    _reported_as_the_submissions(results)
    raised = [t["output"].split("\n")[0] for t in results["tests"][:6]]
    long_name = "Overlong" + "Name" * 30 + "Error"
    assert raised[0] == f"raised {long_name[:100]}: raised on purpose (line 52)", raised[0]
    assert raised[1].startswith("raised submission.MemoryLimitExceeded: raised on purpose"), raised[1]
    assert raised[2].startswith("raised NamelessError: raised on purpose"), raised[2]
    assert raised[3].startswith("raised OrderlessError: 'raised on purpose'"), raised[3]
    assert raised[4].startswith("raised __2J_b_Evil__b_: raised on purpose"), raised[4]
    assert raised[5] == "raised Untraceable: (the exception's message could not be read) (line 52)", raised[5]
    assert all(t["status"] == "failed" for t in results["tests"][:6])
    assert all(t["status"] == "passed" for t in results["tests"][6:]), results["tests"][6:]


def test_an_exception_class_keeps_the_built_in_classes_it_derives_from():
    from grader.sandbox.exception_facts import builtin_bases, class_name

    attack: dict = {}
    exec(attack_source("hostile_exception_classes"), attack)  # its metaclass whose __mro__ and hash raise
    odd = attack["Orderless"]("OddWidth", (ValueError,), {})
    assert builtin_bases(odd) == ("ValueError", "Exception", "BaseException")
    assert builtin_bases(ValueError) == ("Exception", "BaseException")
    assert class_name(type("x" * 300, (ValueError,), {})) == "x" * 100
    assert class_name(type("9 lives", (ValueError,), {})) == "_9_lives"


def test_a_hostile_exception_class_raised_at_import_is_the_submission_s_import_error():
    from grader.sandbox.loader import load_submission

    source = ("class Nameless(type):\n"
              "    @property\n"
              "    def __name__(cls):\n"
              "        raise RuntimeError('no name')\n"
              "raise Nameless('NamelessError', (ValueError,), {})('at import')\n")
    namespace, failure = load_submission(source, "mine.py", ["f"], feedback_errors=BaseException)
    assert namespace is None and failure.kind == "import_error"
    assert failure.detail == "NamelessError: at import" and failure.lines == (5,)


def test_copies_a_submission_forks_of_itself_never_report_and_the_score_holds(run):
    for _ in range(3):  # which copy reported first once decided the score
        results = run("fork_and_report")
        assert results["extra_data"]["error"] is None, results["extra_data"]["error"]
        assert results["score"] == results["max_score"], [t["output"] for t in results["tests"]]


def test_an_exit_code_whose_repr_raises_is_described_safely(run):
    results = run("exit_hostile_code")
    assert results["extra_data"]["error"] is None, results["extra_data"]["error"]
    _reported_as_the_submissions(results)
    assert all("raised SystemExit: sys.exit(<an object whose repr() failed>)" in t["output"]
               for t in results["tests"])


def test_a_huge_stride_0_view_is_refused_as_too_large_before_it_is_copied(run):
    results = run("expand_huge")
    assert _kind(results) == "output_limit"
    text = outputs(results)
    assert "memory" not in text, text
    _reported_as_the_submissions(results)
    limit = FAST_LIMITS.max_result_bytes
    assert all(t["output"] == f"returned a result larger than the allowed {limit} bytes"
               for t in results["tests"])


def test_a_memory_error_raised_below_the_limit_is_the_submissions_own_exception(run):
    results = run("fake_memory_error")
    assert results["extra_data"]["error"] is None, results["extra_data"]["error"]
    assert all(t["output"].startswith("raised MemoryError: fake (line 5)") for t in results["tests"])
    assert "ran out of memory" not in outputs(results)


def test_a_thread_pool_larger_than_the_allowance_is_named_as_the_thread_limit(run):
    results = run("thread_pool_bomb")
    assert _kind(results) == "resource_limit"
    first = results["tests"][0]["output"]
    assert first.startswith("a thread could not be started, and the runtime stopped the process (status 1): "
                            f"the submission may run at most {FAST_LIMITS.max_processes} processes and threads"), first
