"""The one jinja2 environment factory behind the reports and the study site.

Templates are found through :func:`grader.datapaths.site_assets_dir`, so they
work from a wheel too. Autoescaping is always on and undefined names fail
loudly; callers add their own filters.
"""

from __future__ import annotations

from typing import Callable

import jinja2

from grader.datapaths import site_assets_dir


def make_environment(*, filters: dict[str, Callable], finalize: Callable | None = None,
                     keep_trailing_newline: bool = False) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(site_assets_dir() / "templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=keep_trailing_newline,
        finalize=finalize,
    )
    env.filters.update(filters)
    return env
