"""attention-judge: problems, a sandboxed grader and a study site for attention code."""

__version__ = "0.1.0"
