"""Trusted implementations of the catalogued mistakes, one module per problem.

Each module defines ``VARIANTS: dict[str, list[dict]]``: for every misconception
ID of problems.md, one or more namespaces ``{symbol: implementation}`` that make
exactly that mistake. The grader runs them on a failed test's inputs and names
the misconception whose output the submission reproduces. Trusted side only.
"""
