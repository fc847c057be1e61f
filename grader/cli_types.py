"""The option values every command reads alike: one definition of a number of seconds, a seed and
a memory limit.

``grade``, ``check`` and the exports take ``--timeout``, ``--seed`` and ``--memory`` through
these types, so that a value one command refuses no other takes in silence (the
seed of an export is one ``grade FILE --seed`` re-grades its files with). Both
:mod:`grader.cli` and :mod:`grader.cli_export` import this module; it imports
neither, and nothing heavy: the command line reads it before it imports torch.
"""

from __future__ import annotations

import math

import click

from grader.seedkey import MAX_SEED

MAX_TIMEOUT_SECONDS = 3600.0  # per test
MIN_TIMEOUT_SECONDS = 0.1
MIN_MEMORY_MB = 64  # below this the interpreter and torch alone do not fit
MAX_MEMORY_MB = 1024 * 1024  # a tebibyte: more is no limit at all, and past 2**43 MB not a number the kernel takes


class Seconds(click.FloatRange):
    """Seconds in a range: neither inf nor nan (which every comparison lets through)."""

    def convert(self, value, param, ctx):
        seconds = super().convert(value, param, ctx)
        if not math.isfinite(seconds):
            self.fail(f"{value!r} is not a number of seconds.", param, ctx)
        return seconds


TIMEOUT = Seconds(min=MIN_TIMEOUT_SECONDS, max=MAX_TIMEOUT_SECONDS)  # per test: 0.1 s to an hour
SEED = click.IntRange(min=0, max=MAX_SEED)  # of the hidden tests' random inputs
MEMORY_MB = click.IntRange(min=MIN_MEMORY_MB, max=MAX_MEMORY_MB)  # per submission
