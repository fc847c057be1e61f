"""Reports: graded results in, static HTML and CSV out.

This package only renders. It reads ``results.json`` dictionaries (and, for a
class, the files the batch grader wrote) and turns them into pages and
gradebooks; it never grades, never runs candidate code and never adds a value
that the results do not already hold (in particular no hidden expected value).

Everything a candidate controls (student and file names, captured output,
exception text, source code) reaches HTML only through jinja2's autoescaping or
pygments' escaping, reaches URLs only percent-encoded, and reaches CSV only
defused against spreadsheet formulas. Pages work offline from ``file://``: no
network request, scripts and styles are files in ``static/`` (the page's
Content-Security-Policy forbids inline scripts).
"""

from grader.reports.classroom import write_class_outputs
from grader.reports.render import copy_static
from grader.reports.submission import write_submission_report

__all__ = ["copy_static", "write_class_outputs", "write_submission_report"]
