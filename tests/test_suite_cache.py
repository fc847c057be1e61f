"""The suites of a class run: computed on first use, once per problem, without holding up other problems."""

from __future__ import annotations

import threading

import torch

from grader import executors, registry
from grader.executors import SuiteCache
from grader.grading import Suite

WAIT = 60.0  # a guard against a hang, never a measure of speed


class BlockingSuite:
    """Stands in for Suite: preparing problem ``blocked`` waits until ``release`` is set."""

    blocked = "scaled_dot_product_attention"
    release = threading.Event()
    prepared: list[str] = []

    def __init__(self, problem, *, seed, remember):
        self.problem = problem

    def prepare(self, *, misconceptions=False):
        BlockingSuite.prepared.append(self.problem.id)
        if self.problem.id == self.blocked:
            assert self.release.wait(WAIT)
        return self


def test_one_problem_being_prepared_does_not_hold_up_another(monkeypatch):
    monkeypatch.setattr(executors, "Suite", BlockingSuite)
    BlockingSuite.release.clear()
    cache = SuiteCache()
    slow = threading.Thread(target=cache.get, args=(registry.get(BlockingSuite.blocked), 0))
    slow.start()
    try:
        got = {}
        other = threading.Thread(target=lambda: got.setdefault("suite", cache.get(registry.get("self_attention"), 0)))
        other.start()
        other.join(WAIT)
        assert not other.is_alive(), "another problem's suite waited for the one being prepared"
        assert got["suite"].problem.id == "self_attention"
    finally:
        BlockingSuite.release.set()
        slow.join(WAIT)


def test_a_problem_asked_for_by_many_threads_is_prepared_once(monkeypatch):
    monkeypatch.setattr(executors, "Suite", BlockingSuite)
    BlockingSuite.release.clear()
    BlockingSuite.prepared = []
    cache = SuiteCache()
    problem = registry.get(BlockingSuite.blocked)
    got = []
    threads = [threading.Thread(target=lambda: got.append(cache.get(problem, 0))) for _ in range(4)]
    for thread in threads:
        thread.start()
    BlockingSuite.release.set()
    for thread in threads:
        thread.join(WAIT)
    assert BlockingSuite.prepared == [problem.id]
    assert len(got) == 4 and all(suite is got[0] for suite in got)
    assert cache.get(problem, 1) is not got[0]  # another seed is another suite


def _values(suite: Suite) -> list:
    return [suite.expected(i).value for i in range(len(suite.cases))]


def test_suites_prepared_side_by_side_equal_suites_prepared_alone():
    problems = [registry.get("self_attention"), registry.get("grouped_query_attention")]
    alone = {p.id: _values(Suite(p, seed=7).prepare(misconceptions=True)) for p in problems}
    cache = SuiteCache()
    threads = [threading.Thread(target=cache.get, args=(p, 7)) for p in problems for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    for problem in problems:
        together = _values(cache.get(problem, 7))
        assert len(together) == len(alone[problem.id])
        assert all(_same(a, b) for a, b in zip(alone[problem.id], together))


def _same(a, b) -> bool:
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.dtype == b.dtype and torch.equal(a, b)
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def test_misconception_outcomes_are_worked_out_once_when_threads_ask_together(monkeypatch):
    """A class's suite leaves them to the first failure; grading threads then share one computation."""
    from grader import grading

    problem = registry.get("self_attention")
    suite = SuiteCache().get(problem, 0)
    assert not suite._variants, "a class's suite works misconception outcomes out on first need"
    index, calls, second_thread_in = 0, [], threading.Event()
    real_execute = grading.execute

    def execute(namespace, invocation, *, filename, **kwargs):
        calls.append(threading.get_ident())
        if len(set(calls)) > 1:
            second_thread_in.set()
        elif len(calls) == 1:
            second_thread_in.wait(0.5)  # time for a second thread to start the same work, if it could
        return real_execute(namespace, invocation, filename=filename, **kwargs)

    monkeypatch.setattr(grading, "execute", execute)
    got = []
    threads = [threading.Thread(target=lambda: got.append(suite.telling_outcomes(index))) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert calls and len(set(calls)) == 1, "two threads ran the misconception references of one test"
    assert len(got) == 3 and all(outcomes is got[0] for outcomes in got)
    alone = Suite(problem).prepare(misconceptions=True).telling_outcomes(index)
    assert sorted(got[0]) == sorted(alone)
    for mid, outcomes in alone.items():
        assert all(_same(a.value, b.value) for a, b in zip(outcomes, got[0][mid]))
