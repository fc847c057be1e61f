"""The option values every command reads alike: one definition of a number of seconds.

``grade``, ``check`` and the exports take ``--timeout`` through these types, so
that a value one command refuses no other takes in silence. Both
:mod:`grader.cli` and :mod:`grader.cli_export` import this module; it imports
neither, and nothing heavy: the command line reads it before it imports torch.
"""

from __future__ import annotations

import math

import click

MAX_TIMEOUT_SECONDS = 3600.0  # per test
MIN_TIMEOUT_SECONDS = 0.1


class Seconds(click.FloatRange):
    """Seconds in a range: neither inf nor nan (which every comparison lets through)."""

    def convert(self, value, param, ctx):
        seconds = super().convert(value, param, ctx)
        if not math.isfinite(seconds):
            self.fail(f"{value!r} is not a number of seconds.", param, ctx)
        return seconds


TIMEOUT = Seconds(min=MIN_TIMEOUT_SECONDS, max=MAX_TIMEOUT_SECONDS)  # per test: 0.1 s to an hour
