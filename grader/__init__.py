"""attention-judge: problems, a sandboxed grader and a study site for attention code.

``import grader`` stays light (the sandbox imports it): it never imports torch
or the grading machinery. ``from grader import check`` loads
:func:`grader.notebook_api.check` on first use.
"""

__version__ = "0.1.0"


def __getattr__(name: str):
    """``grader.check``, imported only when asked for (PEP 562)."""
    if name == "check":
        from grader.notebook_api import check

        return check
    raise AttributeError(f"module 'grader' has no attribute {name!r}")
