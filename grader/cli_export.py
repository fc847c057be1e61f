"""``attn-judge export``: bundles that grade on course platforms (to be written)."""

from __future__ import annotations

import click


@click.group()
def export() -> None:
    """Write an autograder bundle for a course platform."""
