"""Bundles that grade on course platforms: Gradescope's autograder zip, PrairieLearn questions.

An export is written on the instructor's machine (:func:`export_gradescope`,
:func:`export_prairielearn`); inside the platform's container the bundle runs
this same package again (:func:`run_gradescope`, :func:`run_prairielearn`),
which finds the learner's files, grades each with the full sandbox and writes
the platform's results file. :mod:`grader.exports.common` holds what both share.

This package never holds the secret seed anywhere but the bundle's root-only
seed file and the grading process's memory, and never runs candidate code
itself: grading goes through :func:`grader.services.grade_file`.
"""

from grader.exports.gradescope import export_gradescope, run_gradescope
from grader.exports.prairielearn import export_prairielearn, run_prairielearn

__all__ = ["export_gradescope", "export_prairielearn", "run_gradescope", "run_prairielearn"]
