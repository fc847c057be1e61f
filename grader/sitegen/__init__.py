"""The static study site (``attn-judge site build``).

Rendering only: problems come from the registry, the interview questions and
source descriptions from ``site/content/``, templates and assets from
``site/templates/site/`` and ``site/static/`` (found through
:func:`grader.datapaths.site_assets_dir`, so an installed wheel works too).
Figures are computed at build time by running the trusted reference solutions
in this process; no candidate code is ever run here.
"""

from grader.sitegen.build import build_site

__all__ = ["build_site"]
